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
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Localities come from where pods run, as in Istio: an endpoint's is its pod's node's
 * {@code topology.kubernetes.io/region}/{@code zone} and {@code topology.istio.io/subzone} labels
 * (or the pod's own {@code istio-locality}), and a sidecar's is its pod's node's too, so locality
 * load balancing prefers the caller's own zone with no locality in any bootstrap.
 */
@WithRealCluster
class NodeLocalityIT {
  static final String CLUSTER = "outbound|80||geo.shop.svc.cluster.local";

  @Test
  void endpointsAndSidecarsTakeTheLocalityOfTheirPodsNodes(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "shop");
    Crds.ensureNamespace(k, "istio-system");
    Manifests.apply(k, """
        apiVersion: v1
        kind: Node
        metadata:
          name: node-east
          labels: {topology.kubernetes.io/region: us-east, topology.kubernetes.io/zone: us-east-1a,
                   topology.istio.io/subzone: rack1}
        ---
        apiVersion: v1
        kind: Node
        metadata:
          name: node-west
          labels: {topology.kubernetes.io/region: us-west, topology.kubernetes.io/zone: us-west-1b}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: geo, namespace: shop}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: geo, namespace: shop}
        spec:
          host: geo
          trafficPolicy:
            loadBalancer: {localityLbSetting: {enabled: true}}
            outlierDetection: {consecutive5xxErrors: 5}
        """);
    pod(k, "client-1", "node-east", Map.of("app", "client"));
    pod(k, "geo-east", "node-east", Map.of("app", "geo"));
    pod(k, "geo-west", "node-west", Map.of("app", "geo"));
    pod(k, "geo-eu", "node-west", Map.of("app", "geo", "istio-locality", "eu-central.eu-central-1a"));
    // the slice as the EndpointSlice controller writes it: targetRef to the pod, the zone it knows
    Manifests.apply(k, """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: geo-1, namespace: shop, labels: {kubernetes.io/service-name: geo}}
        addressType: IPv4
        ports: [{name: http, port: 80}]
        endpoints:
        - addresses: [10.214.1.1]
          nodeName: node-east
          zone: us-east-1a
          targetRef: {kind: Pod, name: geo-east, namespace: shop}
        - addresses: [10.214.1.2]
          nodeName: node-west
          zone: us-west-1b
          targetRef: {kind: Pod, name: geo-west, namespace: shop}
        - addresses: [10.214.1.3]
          nodeName: node-west
          zone: us-west-1b
          targetRef: {kind: Pod, name: geo-eu, namespace: shop}
        """);

    try (KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
            KubeBosun.Options.local("locality-it"))) {
      // Bosun must know the caller's pod before the caller connects: its group is decided then
      await("Bosun has the pods").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> !bosun.store()
          .podLocality("shop", "client-1").isEmpty());
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
              "sidecar~10.214.0.201~client-1.shop~shop.svc.cluster.local")
          .namespace("shop").xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()))) {
        waitForThree(envoy);
        Map<String, String> hosts = hosts(envoy);
        System.out.println("[locality] client-1 on node-east sees " + hosts);
        assertThat(hosts).containsEntry("10.214.1.1", "us-east/us-east-1a/rack1 priority 0")
            .containsEntry("10.214.1.2", "us-west/us-west-1b/ priority 1")
            .containsEntry("10.214.1.3", "eu-central/eu-central-1a/ priority 1");
      }
      // a proxy whose pod Bosun does not know has no locality: every endpoint, one priority
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
              "sidecar~10.214.0.202~ghost-1.shop~shop.svc.cluster.local")
          .namespace("shop").xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()))) {
        waitForThree(envoy);
        assertThat(hosts(envoy).values()).allMatch(h -> h.endsWith(" priority 0"));
      }
    }
  }

  static void waitForThree(EnvoyProcess envoy) {
    try {
      await("Envoy has the three endpoints").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> hosts(envoy)
          .size() == 3);
    } catch (IllegalStateException e) {
      throw new AssertionError(e.getMessage() + "; Envoy's clusters:\n" + envoy.adminGet("/clusters").lines()
          .filter(l -> l.contains("geo")).collect(Collectors.joining("\n")), e);
    }
  }

  static void pod(KubernetesClient k, String name, String node, Map<String, String> labels) {
    k.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata()
        .withName(name).withLabels(labels).endMetadata().withNewSpec().withNodeName(node).addNewContainer()
        .withName("app").withImage("example.invalid/app:1").endContainer().endSpec().build()).create();
  }

  /** Each host of the geo cluster at Envoy: {@code region/zone/subzone priority N}. */
  static Map<String, String> hosts(EnvoyProcess envoy) {
    String clusters = envoy.adminGet("/clusters");
    Map<String, String> out = new TreeMap<>();
    Matcher m = Pattern.compile("^" + Pattern.quote(CLUSTER) + "::([0-9.]+):80::region::(.*)$", Pattern.MULTILINE)
        .matcher(clusters);
    while (m.find()) {
      String ip = m.group(1);
      out.put(ip, m.group(2) + "/" + field(clusters, ip, "zone") + "/" + field(clusters, ip, "sub_zone")
          + " priority " + field(clusters, ip, "priority"));
    }
    return out;
  }

  static String field(String clusters, String ip, String name) {
    Matcher m = Pattern.compile("^" + Pattern.quote(CLUSTER + "::" + ip + ":80::" + name + "::") + "(.*)$",
        Pattern.MULTILINE).matcher(clusters);
    return m.find() ? m.group(1) : "?";
  }
}
