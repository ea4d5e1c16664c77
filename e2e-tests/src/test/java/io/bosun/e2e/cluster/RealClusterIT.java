package io.bosun.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bosun.e2e.Crds;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The harness itself: a real API server with Bosun's CRDs, surviving a restart. */
@WithRealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealClusterIT {

  @Test
  @Order(1)
  void servesThePinnedVersionAndStoresObjects(RealCluster cluster) {
    assertThat(cluster.serverVersion()).isEqualTo(K8sBinaries.version());
    KubernetesClient k = cluster.client();
    k.resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build()).create();
    k.resource(new ConfigMapBuilder().withNewMetadata().withName("c").withNamespace("shop").endMetadata()
        .withData(Map.of("k", "v")).build()).create();
    assertThat(k.configMaps().inNamespace("shop").withName("c").get().getData()).containsEntry("k", "v");
  }

  @Test
  @Order(2)
  void acceptsBosunsCrdsAndEverySampleAndRejectsSchemaInvalidObjects(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k);
    int applied = Crds.applySamples(k);
    assertThat(applied).isGreaterThan(5);
    for (String bad : new String[] {
        "{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: b1, namespace: default},"
            + " spec: {hosts: notalist}}",
        "{apiVersion: networking.istio.io/v1beta1, kind: ServiceEntry, metadata: {name: b2, namespace: default},"
            + " spec: {hosts: [a.com], resolution: MAGIC}}",
        "{apiVersion: networking.istio.io/v1alpha3, kind: Gateway, metadata: {name: b3, namespace: default},"
            + " spec: {servers: [{port: {number: eighty}, hosts: ['*']}]}}"}) {
      var object = k.getKubernetesSerialization().unmarshal("---\n" + bad,
          GenericKubernetesResource.class);
      assertThatThrownBy(() -> k.resource(object).create())
          .as(bad).isInstanceOf(KubernetesClientException.class).hasMessageContaining("Invalid");
    }
    // any served version reads back the same object
    assertThat(k.genericKubernetesResources("networking.istio.io/v1alpha3", "VirtualService")
        .inNamespace("default").withName("bookinfo").get()).isNotNull();
  }

  @Test
  @Order(3)
  void dataSurvivesAnApiServerRestart(RealCluster cluster) throws Exception {
    cluster.stopApiServer();
    cluster.startApiServer();
    await("configmap readable again").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      try {
        return cluster.client().configMaps().inNamespace("shop").withName("c").get() != null;
      } catch (KubernetesClientException e) {
        return false;
      }
    });
  }
}
