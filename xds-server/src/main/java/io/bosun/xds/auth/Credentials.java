package io.bosun.xds.auth;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a caller presented: a bearer token from the {@code authorization} metadata (empty when
 * none) and the client certificate chain its TLS handshake verified (empty when none).
 */
public record Credentials(String bearerToken, List<X509Certificate> peerCertificates) {
  public Credentials {
    bearerToken = bearerToken == null ? "" : bearerToken;
    peerCertificates = List.copyOf(peerCertificates);
  }

  public boolean isEmpty() {
    return bearerToken.isEmpty() && peerCertificates.isEmpty();
  }

  /** Tokens are credentials: never print them. */
  @Override
  public String toString() {
    return "Credentials[token=" + (bearerToken.isEmpty() ? "none" : "present") + ", certificates="
        + peerCertificates.size() + "]";
  }
}
