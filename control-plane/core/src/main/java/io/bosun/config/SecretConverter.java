package io.bosun.config;

import io.bosun.ca.Keys;
import io.bosun.ca.Pem;
import io.bosun.model.Ignored;
import io.bosun.model.ResourceRef;
import io.bosun.model.TlsSecret;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A v1 Secret that holds TLS material for {@code credentialName}: {@code tls.crt}/{@code tls.key}/
 * {@code ca.crt} (type kubernetes.io/tls) or Istio's generic {@code cert}/{@code key}/{@code cacert}.
 * Other Secrets are none of Bosun's business and are ignored without a word.
 */
final class SecretConverter {
  private SecretConverter() {
  }

  static Conversion convert(ResourceRef ref, String source, Secret secret) {
    Problems problems = new Problems(source, ref);
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    Map<String, String> plain = secret.getStringData() == null ? Map.of() : secret.getStringData();
    String cert = value(data, plain, "tls.crt", "cert", problems);
    String key = value(data, plain, "tls.key", "key", problems);
    String ca = value(data, plain, "ca.crt", "cacert", problems);
    if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
      return new Conversion(source, ref, new Ignored(ref), problems.all());
    }
    if (cert.isEmpty() != key.isEmpty()) {
      problems.error("data", "a certificate needs its private key and a key its certificate (tls.crt and tls.key)");
    }
    List<X509Certificate> chain = cert.isEmpty() ? List.of()
        : checkCertificates(cert, "data.tls.crt", problems);
    if (!ca.isEmpty()) {
      checkCertificates(ca, "data.ca.crt", problems);
    }
    if (!key.isEmpty()) {
      // Envoy NACKs a certificate whose key does not match (KEY_VALUES_MISMATCH, finding 12):
      // the whole SDS update would fail, so the Secret is refused here, named, instead
      try {
        PrivateKey k = Pem.privateKey(key);
        if (!chain.isEmpty() && !Keys.matches(chain.get(0).getPublicKey(), k)) {
          problems.error("data.tls.key", "the private key does not belong to the certificate in tls.crt ("
              + chain.get(0).getSubjectX500Principal() + ")");
        }
      } catch (IllegalArgumentException e) {
        problems.error("data.tls.key", "not a PEM private key");
      }
    }
    if (!chain.isEmpty() && chain.get(0).getNotAfter().toInstant().isBefore(Instant.now())) {
      problems.error("data.tls.crt", "the certificate expired on " + chain.get(0).getNotAfter().toInstant());
    }
    return Conversion.of(ref, new TlsSecret(ref, cert, key, ca), problems);
  }

  private static String value(Map<String, String> data, Map<String, String> plain, String tlsKey, String genericKey,
                              Problems problems) {
    for (String k : new String[] {tlsKey, genericKey}) {
      if (plain.containsKey(k)) {
        return plain.get(k);
      }
      if (data.containsKey(k)) {
        try {
          return new String(Base64.getMimeDecoder().decode(data.get(k)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          problems.error("data." + k, "not base64");
          return "";
        }
      }
    }
    return "";
  }

  /** Envoy refuses a secret whose PEM it cannot read; catch that here, with the field. */
  private static List<X509Certificate> checkCertificates(String pem, String field,
                                                                                     Problems problems) {
    try {
      var certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
      if (certs.isEmpty()) {
        problems.error(field, "no PEM certificate found");
      }
      return certs.stream().map(c -> (X509Certificate) c).toList();
    } catch (CertificateException e) {
      problems.error(field, "not a PEM certificate: " + Problems.truncate(String.valueOf(e.getMessage())));
      return List.of();
    }
  }
}
