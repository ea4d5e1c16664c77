package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.ResourceRef;
import io.bosun.model.ServerTls;
import io.fabric8.istio.api.api.networking.v1alpha3.Server;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Validates a Gateway spec as Istio's {@code ValidateGateway} does and turns it into the model. */
final class GatewayConverter {
  /** Protocols a gateway serves; the others Istio accepts are reported and left out. */
  private static final Set<String> SERVED = Set.of("HTTP", "HTTPS", "GRPC", "HTTP2", "MONGO", "TCP", "TLS", "REDIS",
      "MYSQL");
  private static final Set<String> HTTP = Set.of("HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB");

  private GatewayConverter() {
  }

  private static ServerTls serverTls(ServerTLSSettings tls, String field, Problems problems) {
    if (tls == null) {
      return null;
    }
    Checks.unsupported(tls.getCredentialNames(), field + ".credentialNames", problems);
    Checks.unsupported(tls.getTlsCertificates(), field + ".tlsCertificates", problems);
    Checks.unsupported(tls.getCaCertCredentialName(), field + ".caCertCredentialName", problems);
    Checks.unsupported(tls.getCaCrl(), field + ".caCrl", problems);
    Checks.unsupported(tls.getVerifyCertificateHash(), field + ".verifyCertificateHash", problems);
    Checks.unsupported(tls.getVerifyCertificateSpki(), field + ".verifyCertificateSpki", problems);
    String mode = ServerTlsChecks.mode(tls);
    if (mode.equals("AUTO_PASSTHROUGH") || mode.equals("OPTIONAL_MUTUAL")) {
      problems.warning(field + ".mode", "mode " + mode + " is not supported by this Bosun release yet; served as "
          + (mode.equals("AUTO_PASSTHROUGH") ? "PASSTHROUGH" : "MUTUAL"));
    }
    return new ServerTls(mode, Boolean.TRUE.equals(tls.getHttpsRedirect()),
        tls.getServerCertificate(), tls.getPrivateKey(), tls.getCaCertificates(), tls.getCredentialName(),
        tls.getSubjectAltNames(), tls.getMinProtocolVersion() == null ? null : tls.getMinProtocolVersion().toString(),
        tls.getMaxProtocolVersion() == null ? null : tls.getMaxProtocolVersion().toString(), tls.getCipherSuites());
  }

  static Conversion convert(ResourceRef ref, String source, io.fabric8.istio.api.api.networking.v1alpha3.Gateway spec) {
    Problems problems = new Problems(source, ref);
    if (!HostNames.label(ref.name())) {
      problems.error("metadata.name", "a Gateway's name must be a DNS label (no dots)");
    }
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    if (list(spec.getServers()).isEmpty()) {
      problems.error("spec.servers", "at least one server is required");
    }
    List<GatewayServer> servers = new ArrayList<>();
    Map<String, Integer> portNames = new HashMap<>();
    for (int i = 0; i < list(spec.getServers()).size(); i++) {
      var s = spec.getServers().get(i);
      String field = "spec.servers[" + i + "]";
      if (s == null || s.getPort() == null) {
        problems.error(field + ".port", "port is required");
        continue;
      }
      var port = s.getPort();
      boolean unix = s.getBind() != null && s.getBind().startsWith(EndpointChecks.UNIX);
      boolean portOk = unix ? unixBind(s, field, problems) : Checks.port(port.getNumber(), field + ".port.number",
          problems);
      String protocol = port.getProtocol() == null ? "" : port.getProtocol().toUpperCase(Locale.ROOT);
      if (!ServiceEntryConverter.PROTOCOLS.contains(protocol)) {
        problems.error(field + ".port.protocol", "unknown protocol \"" + port.getProtocol() + "\"");
      } else if (!SERVED.contains(protocol)) {
        problems.warning(field, "protocol " + protocol + " servers are not served by this Bosun release yet; ignored");
      }
      if (port.getTargetPort() != null && port.getTargetPort() != 0) {
        problems.error(field + ".port.targetPort", "has no effect on a Gateway and must not be set");
      }
      String portName = port.getName() == null ? "" : port.getName();
      if (portName.isEmpty()) {
        problems.error(field + ".port.name", "port name is required");
      } else {
        Integer previous = portNames.putIfAbsent(portName, i);
        if (previous != null) {
          problems.error(field + ".port.name", "port name " + portName + " is already used by spec.servers["
              + previous + "]");
        }
      }
      tlsFor(s, protocol, field, problems);
      String bind = unix || s.getBind() == null ? "" : s.getBind();
      if (!bind.isEmpty() && !HostNames.ip(bind)) {
        problems.error(field + ".bind", "must be an IP address or unix://path, not \"" + bind + "\"");
      }
      List<String> hosts = list(s.getHosts());
      if (hosts.isEmpty()) {
        problems.error(field + ".hosts", "at least one host is required");
      }
      for (int j = 0; j < hosts.size(); j++) {
        String problem = host(hosts.get(j));
        if (problem != null) {
          problems.error(field + ".hosts[" + j + "]", problem);
        }
      }
      if (portOk && SERVED.contains(protocol)) {
        servers.add(new GatewayServer(s.getName(), port.getNumber().intValue(), portName, protocol, hosts,
            serverTls(s.getTls(), field + ".tls", problems), bind));
      }
    }
    Map<String, String> selector = spec.getSelector() == null ? Map.of() : spec.getSelector();
    return Conversion.of(ref, new Gateway(ref, selector, servers), problems);
  }

  /** A server bound to a unix domain socket: port number 0; not served yet (a warning says so). */
  private static boolean unixBind(Server s, String field, Problems problems) {
    if (!EndpointChecks.unixPath(s.getBind())) {
      problems.error(field + ".bind", "a unix domain socket needs an absolute file path or an @abstract name");
    } else {
      problems.warning(field + ".bind", "binding a unix domain socket is not supported by this Bosun release yet;"
          + " server ignored");
    }
    if (s.getPort().getNumber() != null && s.getPort().getNumber() != 0) {
      problems.error(field + ".port.number", "must be 0 for a unix domain socket");
    }
    return false;
  }

  /** TLS as the protocol allows: required for HTTPS and TLS, only httpsRedirect for HTTP, none for others. */
  private static void tlsFor(Server s, String protocol, String field, Problems problems) {
    boolean tlsProtocol = protocol.equals("HTTPS") || protocol.equals("TLS");
    ServerTLSSettings tls = s.getTls();
    if (tlsProtocol && tls == null) {
      problems.error(field + ".tls", "tls settings are required for protocol " + protocol);
    } else if (!tlsProtocol && tls != null) {
      boolean plain = ServerTlsChecks.mode(tls).endsWith("PASSTHROUGH") && isEmpty(tls.getCaCertificates())
          && isEmpty(tls.getPrivateKey()) && isEmpty(tls.getServerCertificate());
      if (!HTTP.contains(protocol) || !plain) {
        problems.error(field + ".tls", HTTP.contains(protocol) ? "a plain HTTP server takes no TLS settings but"
            + " httpsRedirect" : "TLS settings are only for HTTPS and TLS servers");
      }
    }
    if (tls != null && Boolean.TRUE.equals(tls.getHttpsRedirect()) && !HTTP.contains(protocol)) {
      problems.warning(field + ".tls.httpsRedirect", "only has an effect on HTTP servers");
    }
    ServerTlsChecks.check(tls, field + ".tls", problems);
  }

  /**
   * A server host as Istio's {@code ValidateNamespaceSlashWildcardHostname} for gateways: an optional
   * namespace ({@code *}, {@code .} or a name) and a DNS name with a dot, {@code *}, or an IP; a
   * {@code *} only as a whole first label. Null when valid.
   */
  private static String host(String h) {
    if (h == null || h.isEmpty()) {
      return "a host must not be empty";
    }
    int slash = h.indexOf('/');
    String ns = slash < 0 ? null : h.substring(0, slash);
    String name = h.substring(slash + 1);
    if (ns != null && !ns.equals("*") && !ns.equals(".") && !HostNames.label(ns)) {
      return "invalid namespace \"" + ns + "\" in host \"" + h + "\"";
    }
    if (name.isEmpty() || !HostNames.wildcardDomain(name) && !HostNames.ip(name)) {
      return "invalid host \"" + h + "\"";
    }
    if (!name.equals("*") && !name.contains(".")) {
      return "short name \"" + name + "\" in host \"" + h + "\": a gateway host must be a full DNS name";
    }
    if (HostNames.partialWildcard(name)) {
      return "partial wildcard \"" + name + "\" in host \"" + h + "\": only a whole first label \"*.\" is a wildcard";
    }
    return null;
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
