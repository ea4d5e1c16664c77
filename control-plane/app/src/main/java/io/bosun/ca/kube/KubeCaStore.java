package io.bosun.ca.kube;

import io.bosun.ca.CaMaterial;
import io.bosun.ca.CertificateAuthority;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the mesh CA lives in a cluster: a user-supplied Secret {@code cacerts} in Bosun's namespace
 * (Istio's plug-in CA name and layout, or cert-manager's tls.crt/tls.key/ca.crt) takes precedence;
 * else Bosun's own self-signed root in Secret {@code bosun-ca}, created by the first replica that
 * finds none, so every replica and every restart signs with the same root. The leader replaces a
 * self-signed root in the last fifth of its life, keeping the old one trusted until it expires.
 */
public final class KubeCaStore {
  /** Istio's name for a plug-in CA; users migrating keep their Secret. */
  public static final String USER_SECRET = "cacerts";
  public static final String SELF_SIGNED_SECRET = "bosun-ca";
  private static final Logger LOG = LoggerFactory.getLogger(KubeCaStore.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Supplier<String> trustDomain;
  private final Duration rootValidity;
  private final Clock clock;

  public KubeCaStore(KubernetesClient client, String namespace, Supplier<String> trustDomain, Duration rootValidity,
                     Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.trustDomain = trustDomain;
    this.rootValidity = rootValidity;
    this.clock = clock;
  }

  /**
   * The CA as the Secrets hold it now, creating Bosun's own root when there is neither. Throws
   * (IllegalArgumentException naming the Secret and key) when {@code cacerts} exists but is unusable:
   * silently signing with another root would break every peer that trusts the user's.
   */
  public CertificateAuthority load() {
    Secret user = client.secrets().inNamespace(namespace).withName(USER_SECRET).get();
    if (user != null) {
      return CaMaterial.read(decode(user), "Secret " + namespace + "/" + USER_SECRET);
    }
    Secret own = client.secrets().inNamespace(namespace).withName(SELF_SIGNED_SECRET).get();
    if (own != null) {
      return CaMaterial.read(decode(own), "Secret " + namespace + "/" + SELF_SIGNED_SECRET);
    }
    CertificateAuthority fresh = CertificateAuthority.selfSigned(trustDomain.get(), rootValidity);
    try {
      client.secrets().inNamespace(namespace).resource(toSecret(fresh)).create();
      LOG.info("Secret {}/{}: created a self-signed root for trust domain {}, valid until {}", namespace,
          SELF_SIGNED_SECRET, trustDomain.get(), fresh.signer().getNotAfter().toInstant());
      return fresh;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) { // another replica was first: use its root
        return CaMaterial.read(decode(client.secrets().inNamespace(namespace).withName(SELF_SIGNED_SECRET).get()),
            "Secret " + namespace + "/" + SELF_SIGNED_SECRET);
      }
      throw e;
    }
  }

  /**
   * When the leader holds Bosun's own root and it is in the last fifth of its life, replaces it
   * with a new root that the Secret keeps beside the old one in the trust bundle; returns the CA
   * to use (the same one when nothing was due).
   */
  public CertificateAuthority rotateIfDue(CertificateAuthority current, BooleanSupplier leader) {
    X509Certificate root = current.signer();
    boolean own = current.chain().isEmpty() && CaMaterial.selfSigned(root)
        && client.secrets().inNamespace(namespace).withName(USER_SECRET).get() == null;
    if (!own || !leader.getAsBoolean()) {
      return current;
    }
    Instant from = CertificateAuthority.issuedAt(root);
    Instant to = root.getNotAfter().toInstant();
    Instant due = to.minus(Duration.between(from, to).dividedBy(5));
    if (clock.instant().isBefore(due)) {
      return current;
    }
    List<X509Certificate> keep = new ArrayList<>();
    current.roots().stream().filter(r -> r.getNotAfter().toInstant().isAfter(clock.instant())).forEach(keep::add);
    CertificateAuthority next = CertificateAuthority.selfSigned(trustDomain.get(), rootValidity).trusting(keep);
    client.secrets().inNamespace(namespace).resource(toSecret(next)).update();
    LOG.info("Secret {}/{}: root rotated, new root valid until {}; {} older root(s) still trusted", namespace,
        SELF_SIGNED_SECRET, next.signer().getNotAfter().toInstant(), keep.size());
    return next;
  }

  private Secret toSecret(CertificateAuthority ca) {
    Map<String, String> data = new LinkedHashMap<>();
    CaMaterial.write(ca).forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(
        v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder().withNewMetadata().withName(SELF_SIGNED_SECRET).withNamespace(namespace)
        .addToLabels("app.kubernetes.io/managed-by", "bosun").endMetadata()
        .withType("Opaque").withData(data).build();
  }

  static Map<String, String> decode(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }
}
