package io.bosun.model;

/**
 * The TLS material of a Kubernetes Secret that a Gateway or DestinationRule names by
 * {@code credentialName}: PEM certificate chain and key, and the CA bundle, each possibly empty.
 */
public record TlsSecret(ResourceRef ref, String certificate, String privateKey, String ca) implements MeshResource {
  public TlsSecret {
    certificate = certificate == null ? "" : certificate;
    privateKey = privateKey == null ? "" : privateKey;
    ca = ca == null ? "" : ca;
  }

  public boolean hasKeyPair() {
    return !certificate.isEmpty() && !privateKey.isEmpty();
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "TlsSecret[" + ref + (hasKeyPair() ? ", key pair" : "") + (ca.isEmpty() ? "" : ", ca") + "]";
  }
}
