package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.runtime.KubeBosun;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An upgrade without the new CRDs (Helm never upgrades a chart's CRDs): Bosun on an API server
 * that lacks the Sidecar CRD becomes ready and serves the rest, and starts watching Sidecars once
 * the CRD is installed, without a restart. Before, the Sidecar informer never synced and Bosun
 * never became ready.
 */
@WithRealCluster
class OptionalCrdIT {
  @Test
  void withoutTheSidecarCrdBosunIsReadyAndWatchesSidecarsOnceItIsInstalled(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k, file -> !file.startsWith("sidecars."));
    Crds.ensureNamespace(k, "istio-system");
    Crds.ensureNamespace(k, "shop");
    try (KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
        KubeBosun.Options.local("bosun-it"))) {
      await("ready without the Sidecar CRD").atMost(Duration.ofSeconds(20)).until(bosun::ready);

      Crds.install(k, file -> file.startsWith("sidecars."));
      Manifests.apply(k, """
          apiVersion: networking.istio.io/v1
          kind: Sidecar
          metadata: {name: scoped, namespace: shop}
          spec:
            egress: [{hosts: ["./*"]}]
          """);

      // the CRD is looked for again every 10 s; Bosun then validates the Sidecar and writes its status
      await("Reconciled=True on the Sidecar").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        Sidecar sc = k.resources(Sidecar.class).inNamespace("shop").withName("scoped").get();
        return sc.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Reconciled") && c.getStatus().equals("True"));
      });
      assertThat(bosun.ready()).isTrue();
    }
  }
}
