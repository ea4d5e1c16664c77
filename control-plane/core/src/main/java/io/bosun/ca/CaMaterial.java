package io.bosun.ca;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CA as a Secret holds it, in the two layouts users bring: Istio's plug-in CA ({@code cacerts}:
 * {@code ca-cert.pem}, {@code ca-key.pem}, {@code cert-chain.pem}, {@code root-cert.pem}) and
 * cert-manager's ({@code tls.crt} with its chain, {@code tls.key}, {@code ca.crt}). Bosun keeps its
 * own self-signed CA in the first layout.
 */
public final class CaMaterial {
  public static final String CA_CERT = "ca-cert.pem";
  public static final String CA_KEY = "ca-key.pem";
  public static final String CERT_CHAIN = "cert-chain.pem";
  public static final String ROOT_CERT = "root-cert.pem";

  private CaMaterial() {
  }

  /**
   * Reads a CA from a Secret's decoded data. {@code where} names the Secret in messages. Throws
   * IllegalArgumentException naming the key and the problem.
   */
  public static CertificateAuthority read(Map<String, String> data, String where) {
    boolean istio = data.containsKey(CA_CERT) || data.containsKey(CA_KEY);
    String certKey = istio ? CA_CERT : "tls.crt";
    String keyKey = istio ? CA_KEY : "tls.key";
    String rootKey = istio ? ROOT_CERT : "ca.crt";
    String certPem = data.getOrDefault(certKey, "");
    String keyPem = data.getOrDefault(keyKey, "");
    if (certPem.isBlank() || keyPem.isBlank()) {
      throw new IllegalArgumentException(where + ": needs " + CA_CERT + " and " + CA_KEY + " (or tls.crt and tls.key)");
    }
    List<X509Certificate> certs = parse(certPem, where, certKey);
    X509Certificate signer = certs.get(0);
    PrivateKey key;
    try {
      key = Pem.privateKey(keyPem);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + keyKey + ": " + e.getMessage(), e);
    }
    List<X509Certificate> chain = new ArrayList<>(certs.subList(1, certs.size()));
    if (istio && !data.getOrDefault(CERT_CHAIN, "").isBlank()) {
      List<X509Certificate> full = parse(data.get(CERT_CHAIN), where, CERT_CHAIN);
      chain = new ArrayList<>(full);
      chain.remove(signer);
    }
    List<X509Certificate> roots = data.getOrDefault(rootKey, "").isBlank() ? List.of()
        : parse(data.get(rootKey), where, rootKey);
    if (roots.isEmpty()) {
      // a self-signed signer, or the top of the chain, is the root
      X509Certificate top = chain.isEmpty() ? signer : chain.get(chain.size() - 1);
      if (!selfSigned(top)) {
        throw new IllegalArgumentException(where + ": " + rootKey + " is missing and the chain does not end in a root");
      }
      roots = List.of(top);
    }
    // the chain sent to workloads ends below the root; the root itself goes in the trust bundle
    chain.removeIf(roots::contains);
    if (signer.getNotAfter().toInstant().isBefore(Instant.now())) {
      throw new IllegalArgumentException(where + ": " + certKey + " expired on " + signer.getNotAfter().toInstant());
    }
    verifyChain(signer, chain, roots, where);
    try {
      return new CertificateAuthority(signer, key, chain, roots);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** Bosun's own CA as its Secret stores it (Istio's layout). */
  public static Map<String, String> write(CertificateAuthority ca) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(CA_CERT, Pem.of(ca.signer()));
    out.put(CA_KEY, Pem.of(ca.signerKey()));
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(ca.signer());
    chain.addAll(ca.chain());
    out.put(CERT_CHAIN, Pem.of(chain));
    out.put(ROOT_CERT, ca.rootsPem());
    return out;
  }

  private static List<X509Certificate> parse(String pem, String where, String key) {
    try {
      return Pem.certificates(pem);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + key + ": " + e.getMessage(), e);
    }
  }

  /** Each certificate is signed by the next; the last by one of the roots. */
  private static void verifyChain(X509Certificate signer, List<X509Certificate> chain, List<X509Certificate> roots,
                                  String where) {
    List<X509Certificate> path = new ArrayList<>();
    path.add(signer);
    path.addAll(chain);
    for (int i = 0; i + 1 < path.size(); i++) {
      if (!signedBy(path.get(i), path.get(i + 1))) {
        throw new IllegalArgumentException(where + ": " + path.get(i).getSubjectX500Principal()
            + " is not signed by the next certificate of the chain, " + path.get(i + 1).getSubjectX500Principal());
      }
    }
    X509Certificate top = path.get(path.size() - 1);
    if (roots.contains(top)) {
      return;
    }
    if (roots.stream().noneMatch(r -> signedBy(top, r))) {
      throw new IllegalArgumentException(where
          + ": the CA certificate does not chain to any certificate of the root bundle");
    }
  }

  public static boolean selfSigned(X509Certificate c) {
    return c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && signedBy(c, c);
  }

  static boolean signedBy(X509Certificate c, X509Certificate issuer) {
    try {
      c.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
