package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.runtime.KubeBosun;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Pods run by kwok on a fake node behind a Service: the real controller-manager publishes
 * EndpointSlices and Bosun's EDS follows them, through scale to zero and back.
 */
@WithRealCluster(controllers = true)
class PodEndpointsIT {
  static final String CLUSTER = "outbound|80||web.shop.svc.cluster.local";
  static final String V1 = "outbound|80|v1|web.shop.svc.cluster.local";

  @Test
  void edsFollowsThePodsOfADeployment(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "shop");
    Crds.ensureNamespace(k, "istio-system");
    k.resource(new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
        .withNewSpec().addToSelector("app", "web")
        .addNewPort().withName("http").withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
    // A second service whose endpoints never change: its cluster must not be re-sent.
    k.resource(new ServiceBuilder().withNewMetadata().withName("other").withNamespace("shop").endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(81).endPort().endSpec().build()).create();
    k.resource(new EndpointSliceBuilder().withNewMetadata()
        .withName("other-1").withNamespace("shop").addToLabels("kubernetes.io/service-name", "other").endMetadata()
        .withAddressType("IPv4").addNewPort().withName("http").withPort(81).endPort()
        .addNewEndpoint().withAddresses("10.214.0.250").endEndpoint().build()).create();
    Manifests.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: web, namespace: shop}
        spec: {host: web, subsets: [{name: v1, labels: {version: v1}}]}
        """);
    scale(k, 2);

    try (KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
            KubeBosun.Options.local("pods-it"));
         EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
                 "sidecar~10.214.0.200~client.shop~shop.svc.cluster.local")
             .namespace("shop").xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()))) {
      await("two pods running with IPs").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> runningIps(k)
          .size() == 2);
      List<String> ips = runningIps(k);
      assertThat(ips).allMatch(ip -> ip.startsWith("10.214.0."));
      await("Envoy's EDS lists both pods").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
          endpoints(envoy, CLUSTER).containsAll(ips.stream()
          .map(ip -> ip + ":8080").toList()));
      // the subset's assignment may land a moment after the service's
      await("the v1 subset (by pod label) lists both pods").atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .until(() -> endpoints(envoy, V1).size() == 2);
      System.out.printf("pods %s -> Envoy endpoints %s%n", ips, endpoints(envoy, CLUSTER));

      String cdsLds = "^(cluster_manager\\.cds|listener_manager\\.lds)\\.update_attempt$";
      // let the initial configuration settle first: only what scaling changes counts below
      Map<String, Long> others = Settle.stats(envoy, cdsLds);
      String unaffected = "^cluster\\.outbound\\|81\\|\\|other\\.shop\\.svc\\.cluster\\.local\\.update_attempt$";
      Map<String, Long> otherCluster = envoy.statsMatching(unaffected);
      long webUpdates = envoy.stat("cluster." + CLUSTER + ".update_attempt");
      scale(k, 0);
      await("scaled to zero: no endpoints").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
          endpoints(envoy, CLUSTER).isEmpty());
      assertThat(envoy.statsMatching(".*update_rejected$").values()).allMatch(v -> v == 0);

      scale(k, 2);
      await("back to two endpoints").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> endpoints(envoy,
          CLUSTER).size() == 2);
      assertThat(envoy.statsMatching(cdsLds)).as("endpoint changes push EDS only").isEqualTo(others);
      assertThat(envoy.stat("cluster." + CLUSTER + ".update_attempt")).as("the affected cluster was updated")
          .isGreaterThan(webUpdates);
      assertThat(envoy.statsMatching(unaffected)).as("an unaffected cluster is not re-sent")
          .isNotEmpty().isEqualTo(otherCluster);
      assertThat(envoy.statsMatching(".*update_rejected$").values()).allMatch(v -> v == 0);
    }
  }

  private static void scale(KubernetesClient k, int replicas) {
    k.resource(new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
        .withNewSpec().withReplicas(replicas)
        .withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").addToLabels("version", "v1").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("example.invalid/web:1")
        .addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec()
        .endTemplate().endSpec().build()).serverSideApply();
  }

  private static List<String> runningIps(KubernetesClient k) {
    return k.pods().inNamespace("shop").withLabel("app", "web").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
        .map(Pod::getStatus).map(s -> s.getPodIP()).filter(ip -> ip != null && !ip.isEmpty()).sorted().toList();
  }

  /** Endpoints of one cluster from Envoy's admin /clusters (no traffic is sent to them). */
  private static List<String> endpoints(EnvoyProcess envoy, String cluster) {
    Matcher m = Pattern.compile("^" + Pattern.quote(cluster) + "::([0-9.]+:[0-9]+)::cx_active", Pattern.MULTILINE)
        .matcher(envoy.adminGet("/clusters"));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
