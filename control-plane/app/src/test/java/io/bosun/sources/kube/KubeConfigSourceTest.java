package io.bosun.sources.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.Kind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bosun's own Secrets never enter the store, so no config can make them reach a proxy (finding 2). */
class KubeConfigSourceTest {
  static Secret secret(String ns, String name, Map<String, String> labels, String type) {
    return new SecretBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata()
        .withType(type).build();
  }

  @Test
  void bosunsOwnAndTokenSecretsAreProtected() {
    assertThat(KubeConfigSource.protectedSecret(secret("istio-system", "bosun-webhook-certs", Map.of(),
        "kubernetes.io/tls"), "istio-system")).isTrue();
    assertThat(KubeConfigSource.protectedSecret(secret("istio-system", "cacerts", Map.of(), "Opaque"),
        "istio-system")).isTrue();
    assertThat(KubeConfigSource.protectedSecret(secret("istio-system", "anything", Map.of(
        "app.kubernetes.io/managed-by", "bosun"), "kubernetes.io/tls"), "istio-system")).isTrue();
    assertThat(KubeConfigSource.protectedSecret(secret("shop", "builder-token", Map.of(),
        "kubernetes.io/service-account-token"), "istio-system")).isTrue();
    // a gateway's certificate in the same namespace is served as usual
    assertThat(KubeConfigSource.protectedSecret(secret("istio-system", "gw-cred", Map.of(), "kubernetes.io/tls"),
        "istio-system")).isFalse();
    // a Secret that happens to be named like Bosun's elsewhere is the user's
    assertThat(KubeConfigSource.protectedSecret(secret("shop", "cacerts", Map.of(), "Opaque"), "istio-system"))
        .isFalse();
  }

  /** Each Istio kind is watched in the API group its Kind names, the group status is written to. */
  @Test
  void istioKindsAreWatchedInTheirOwnApiGroup() {
    List<Class<? extends HasMetadata>> all = new ArrayList<>(KubeConfigSource.KINDS);
    all.addAll(KubeConfigSource.OPTIONAL_KINDS);
    List<Kind> istio = new ArrayList<>();
    for (Class<? extends HasMetadata> type : all) {
      Kind kind = Kind.of(HasMetadata.getKind(type)).orElseThrow();
      if (kind.istio()) {
        istio.add(kind);
        assertThat(HasMetadata.getGroup(type)).as("%s", kind).isEqualTo(kind.group());
        assertThat(HasMetadata.getVersion(type)).as("%s", kind).isEqualTo("v1");
      }
    }
    assertThat(istio).containsExactlyInAnyOrder(Kind.VIRTUAL_SERVICE, Kind.DESTINATION_RULE, Kind.GATEWAY,
        Kind.SERVICE_ENTRY, Kind.SIDECAR, Kind.PEER_AUTHENTICATION, Kind.AUTHORIZATION_POLICY,
        Kind.REQUEST_AUTHENTICATION, Kind.WORKLOAD_ENTRY, Kind.WORKLOAD_GROUP);
  }
}
