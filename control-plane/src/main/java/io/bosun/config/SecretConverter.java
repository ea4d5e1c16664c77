package io.bosun.config;

import io.bosun.model.ResourceRef;
import io.bosun.model.TlsSecret;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Map;

/**
 * A v1 Secret that holds TLS material for {@code credentialName}: {@code tls.crt}/{@code tls.key}/
 * {@code ca.crt} (type kubernetes.io/tls) or Istio's generic {@code cert}/{@code key}/{@code cacert}.
 * Other Secrets are none of Bosun's business and are ignored without a word.
 */
final class SecretConverter {
  private SecretConverter() {
  }

  static Conversion convert(ResourceRef ref, String source, io.fabric8.kubernetes.api.model.Secret secret) {
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
    if (!cert.isEmpty()) {
      checkCertificates(cert, "data.tls.crt", problems);
    }
    if (!ca.isEmpty()) {
      checkCertificates(ca, "data.ca.crt", problems);
    }
    if (!key.isEmpty() && !key.contains("PRIVATE KEY-----")) {
      problems.error("data.tls.key", "not a PEM private key");
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
  private static void checkCertificates(String pem, String field, Problems problems) {
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8))).isEmpty()) {
        problems.error(field, "no PEM certificate found");
      }
    } catch (CertificateException e) {
      problems.error(field, "not a PEM certificate: " + e.getMessage());
    }
  }
}
