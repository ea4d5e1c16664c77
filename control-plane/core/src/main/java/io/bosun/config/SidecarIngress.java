package io.bosun.config;

import io.fabric8.istio.api.api.networking.v1alpha3.IstioIngressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;
import java.util.Locale;
import java.util.Set;

/** A Sidecar ingress listener's {@code defaultEndpoint} and {@code tls}, as Istio's {@code ValidateSidecar}. */
final class SidecarIngress {
  private static final Set<String> HOSTS = Set.of("127.0.0.1", "0.0.0.0", "::1", "::");

  private SidecarIngress() {
  }

  /**
   * {@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT}, {@code [::1]:PORT}, {@code [::]:PORT}, {@code :PORT}
   * (the workload's address, as {@code 0.0.0.0:PORT}) or {@code unix://path}; null when unset.
   */
  static String defaultEndpoint(String endpoint, String field, Problems problems) {
    if (endpoint == null || endpoint.isEmpty()) {
      return endpoint;
    }
    if (endpoint.startsWith(EndpointChecks.UNIX)) {
      if (!EndpointChecks.unixPath(endpoint)) {
        problems.error(field, "a unix domain socket needs an absolute file path or an @abstract name");
      }
      return endpoint;
    }
    int colon = endpoint.lastIndexOf(':');
    String host = colon < 0 ? endpoint : endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String port = colon < 0 ? "" : endpoint.substring(colon + 1);
    if (colon < 0 || !host.isEmpty() && !HOSTS.contains(host) || host.contains(":") && !endpoint.startsWith("[")) {
      problems.error(field, "must be 127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix://path, not \""
          + endpoint + "\"");
      return null;
    }
    if (!port.matches("[0-9]{1,5}") || !Checks.port(Long.parseLong(port), field, problems)) {
      if (!port.matches("[0-9]{1,5}")) {
        problems.error(field, "the port \"" + port + "\" is not a number");
      }
      return null;
    }
    return host.isEmpty() ? "0.0.0.0:" + port : endpoint;
  }

  /** Ingress TLS: Istio's server rules, minus what a sidecar cannot do. */
  static void tls(IstioIngressListener l, String field, Problems problems) {
    ServerTLSSettings tls = l.getTls();
    if (tls == null) {
      return;
    }
    if (tls.getSubjectAltNames() != null && !tls.getSubjectAltNames().isEmpty()) {
      problems.error(field + ".subjectAltNames", "not supported on a sidecar's ingress");
    }
    if (Boolean.TRUE.equals(tls.getHttpsRedirect())) {
      problems.error(field + ".httpsRedirect", "not supported on a sidecar's ingress");
    }
    if (notEmpty(tls.getCredentialName()) || tls.getCredentialNames() != null && !tls.getCredentialNames().isEmpty()
        || tls.getTlsCertificates() != null && !tls.getTlsCertificates().isEmpty()) {
      problems.error(field, "credentialName, credentialNames and tlsCertificates are not supported on a sidecar's"
          + " ingress");
    }
    String mode = ServerTlsChecks.mode(tls);
    if (mode.equals("ISTIO_MUTUAL") || mode.equals("AUTO_PASSTHROUGH")) {
      problems.error(field + ".mode", "mode " + mode + " is not allowed on a sidecar's ingress");
    }
    String protocol = l.getPort().getProtocol() == null ? "" : l.getPort().getProtocol().toUpperCase(Locale.ROOT);
    if (!protocol.equals("HTTPS") && !protocol.equals("TLS")) {
      problems.error(field, "TLS settings are only for HTTPS and TLS ports");
    }
    ServerTlsChecks.check(tls, field, problems);
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
