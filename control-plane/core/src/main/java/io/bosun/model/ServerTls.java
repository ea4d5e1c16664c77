package io.bosun.model;

import java.util.List;

/**
 * A Gateway server's {@code tls} block. {@code mode} is Istio's name (SIMPLE, MUTUAL, PASSTHROUGH,
 * ...); certificates come either from files on the gateway ({@code serverCertificate},
 * {@code privateKey}, {@code caCertificates}) or from a Secret ({@code credentialName}).
 */
public record ServerTls(String mode, boolean httpsRedirect, String serverCertificate, String privateKey,
                        String caCertificates, String credentialName, List<String> subjectAltNames,
                        String minProtocolVersion, String maxProtocolVersion, List<String> cipherSuites) {
  public ServerTls {
    mode = mode == null || mode.isEmpty() ? "SIMPLE" : mode;
    serverCertificate = serverCertificate == null ? "" : serverCertificate;
    privateKey = privateKey == null ? "" : privateKey;
    caCertificates = caCertificates == null ? "" : caCertificates;
    credentialName = credentialName == null ? "" : credentialName;
    subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
    minProtocolVersion = minProtocolVersion == null ? "" : minProtocolVersion;
    maxProtocolVersion = maxProtocolVersion == null ? "" : maxProtocolVersion;
    cipherSuites = cipherSuites == null ? List.of() : List.copyOf(cipherSuites);
  }

  public boolean passthrough() {
    return mode.equals("PASSTHROUGH") || mode.equals("AUTO_PASSTHROUGH");
  }

  public boolean mutual() {
    return mode.equals("MUTUAL") || mode.equals("OPTIONAL_MUTUAL");
  }
}
