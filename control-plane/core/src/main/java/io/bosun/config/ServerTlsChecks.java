package io.bosun.config;

import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;
import java.util.List;

/**
 * A server's {@code tls} (a Gateway server's, a Sidecar ingress listener's) as Istio's
 * {@code validateTLSOptions} checks it. An unset mode is PASSTHROUGH, Istio's zero value.
 */
final class ServerTlsChecks {
  private ServerTlsChecks() {
  }

  /** The mode as Istio reads it. */
  static String mode(ServerTLSSettings tls) {
    return tls.getMode() == null ? "PASSTHROUGH" : tls.getMode().toString();
  }

  static void check(ServerTLSSettings tls, String field, Problems problems) {
    if (tls == null) {
      return;
    }
    String mode = mode(tls);
    boolean files = notEmpty(tls.getServerCertificate()) && notEmpty(tls.getPrivateKey());
    boolean credential = notEmpty(tls.getCredentialName());
    boolean credentials = notEmpty(tls.getCredentialNames());
    boolean certificates = notEmpty(tls.getTlsCertificates());
    boolean anyCert = notEmpty(tls.getServerCertificate()) || notEmpty(tls.getPrivateKey())
        || notEmpty(tls.getCaCertificates()) || credential || credentials || certificates;
    switch (mode) {
      case "ISTIO_MUTUAL" -> {
        if (anyCert) {
          problems.error(field, "mode ISTIO_MUTUAL uses the mesh's certificates: serverCertificate, privateKey,"
              + " caCertificates, tlsCertificates, credentialName and credentialNames cannot be set");
        }
        return;
      }
      case "PASSTHROUGH", "AUTO_PASSTHROUGH" -> {
        if (anyCert || notEmpty(tls.getCaCrl())) {
          problems.warning(field, "mode " + mode + (tls.getMode() == null ? " (the default)" : "")
              + " does not use certificates: they are ignored");
        }
      }
      default -> { }
    }
    if ((files ? 1 : 0) + (credential ? 1 : 0) + (credentials ? 1 : 0) + (certificates ? 1 : 0) > 1) {
      problems.error(field, "only one of credentialName, credentialNames, serverCertificate/privateKey and"
          + " tlsCertificates can be set");
    }
    boolean terminates = mode.equals("SIMPLE") || mode.equals("MUTUAL") || mode.equals("OPTIONAL_MUTUAL");
    if (terminates && !credential && !credentials) {
      if (!mode.equals("SIMPLE") && !notEmpty(tls.getCaCertificates())) {
        problems.error(field + ".caCertificates", "mode " + mode + " needs caCertificates or credentialName");
      }
      if (!certificates && !files) {
        problems.error(field, "mode " + mode + " needs credentialName, or serverCertificate and privateKey");
      }
    }
    if (notEmpty(tls.getCaCrl()) && (credential || mode.equals("SIMPLE"))) {
      problems.error(field + ".caCrl", "cannot be used with credentialName or mode SIMPLE");
    }
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }

  private static boolean notEmpty(List<?> l) {
    return l != null && !l.isEmpty();
  }
}
