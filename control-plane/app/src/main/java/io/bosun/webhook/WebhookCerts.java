package io.bosun.webhook;

import io.bosun.ca.Pem;
import io.bosun.certs.Certificates;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The webhook's serving certificate: mounted files (cert-manager style: tls.crt, tls.key, ca.crt),
 * or Bosun's own CA and certificate, kept in a Secret so every replica serves the same one and
 * the CA bundle the API server trusts stays valid across restarts.
 */
final class WebhookCerts {
  static final String SECRET = "bosun-webhook-certs";

  /** PEM material and when the serving certificate expires. */
  record Material(String certPem, String keyPem, String caPem) {
    X509Certificate certificate() {
      return certificates(certPem).get(0);
    }

    Instant notAfter() {
      return certificate().getNotAfter().toInstant();
    }

    Instant notBefore() {
      return certificate().getNotBefore().toInstant();
    }

    /** Renew once two thirds of the validity have passed, well before anything can fail. */
    boolean dueForRenewal(Instant now) {
      Duration validity = Duration.between(notBefore(), notAfter());
      return now.isAfter(notAfter().minus(validity.dividedBy(3)));
    }

    PrivateKey privateKey() {
      return Pem.privateKey(keyPem);
    }
  }

  private WebhookCerts() {
  }

  static Material generate(List<String> names, Duration validity) {
    Certificates ca = Certificates.newAuthority("bosun-webhook-ca", validity.multipliedBy(2));
    Certificates.Issued serving = ca.issue(names, validity);
    return new Material(serving.certificatePem(), serving.privateKeyPem(), ca.authority().certificatePem());
  }

  static Material fromDir(Path dir) throws IOException {
    String ca = Files.exists(dir.resolve("ca.crt")) ? Files.readString(dir.resolve("ca.crt")) : "";
    return new Material(Files.readString(dir.resolve("tls.crt")), Files.readString(dir.resolve("tls.key")), ca);
  }

  /** The shared Secret's material, creating it when absent (the first replica to try wins). */
  static Material loadOrCreate(KubernetesClient client, String namespace, List<String> names, Duration validity) {
    Secret existing = client.secrets().inNamespace(namespace).withName(SECRET).get();
    if (existing != null) {
      return fromSecret(existing);
    }
    Material fresh = generate(names, validity);
    try {
      client.secrets().inNamespace(namespace).resource(toSecret(namespace, fresh)).create();
      return fresh;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return fromSecret(client.secrets().inNamespace(namespace).withName(SECRET).get());
      }
      throw e;
    }
  }

  /** Replaces the shared Secret's material (the leader renews it). */
  static void store(KubernetesClient client, String namespace, Material m) {
    client.secrets().inNamespace(namespace).resource(toSecret(namespace, m)).createOr(op -> op.update());
  }

  static Material fromSecret(Secret s) {
    Map<String, String> d = s.getData() == null ? Map.of() : s.getData();
    return new Material(decode(d.get("tls.crt")), decode(d.get("tls.key")), decode(d.get("ca.crt")));
  }

  private static Secret toSecret(String namespace, Material m) {
    return new SecretBuilder().withNewMetadata().withName(SECRET).withNamespace(namespace)
        .addToLabels("app.kubernetes.io/managed-by", "bosun").endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", encode(m.certPem())).addToData("tls.key", encode(m.keyPem()))
        .addToData("ca.crt", encode(m.caPem()))
        .build();
  }

  /** Sets {@code caBundle} on every webhook of the two configurations that exist; returns how many changed. */
  static int patchCaBundle(KubernetesClient client, String mutating, String validating, String caPem) {
    String bundle = encode(caPem);
    int changed = 0;
    var m = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(mutating).get();
    if (m != null && m.getWebhooks().stream().anyMatch(w -> !bundle.equals(w.getClientConfig().getCaBundle()))) {
      m.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(bundle));
      client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(m).update();
      changed++;
    }
    var v = client.admissionRegistration().v1().validatingWebhookConfigurations().withName(validating).get();
    if (v != null && v.getWebhooks().stream().anyMatch(w -> !bundle.equals(w.getClientConfig().getCaBundle()))) {
      v.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(bundle));
      client.admissionRegistration().v1().validatingWebhookConfigurations().resource(v).update();
      changed++;
    }
    return changed;
  }

  static List<X509Certificate> certificates(String pem) {
    return Pem.certificates(pem);
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String s) {
    return s == null ? "" : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
