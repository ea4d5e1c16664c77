package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.resources.XdsResources;
import io.bosun.testing.Proxies;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ClusterBuilderTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  private final XdsResources config =
      new ConfigGenerator(Samples.load("bookinfo").snapshot()).generate(Proxies.sidecar("default"));
  private final Map<String, Cluster> clusters =
      config.clusters().stream().collect(Collectors.toMap(Cluster::getName, Function.identity()));

  @Test
  void oneClusterPerPortAndSubsetWithIstioNames() {
    assertThat(clusters).containsKeys("outbound|9080||" + REVIEWS, "outbound|9080|v1|" + REVIEWS,
        "outbound|9080|v2|" + REVIEWS, "outbound|9080|v3|" + REVIEWS,
        "outbound|9080||details.default.svc.cluster.local", "BlackHoleCluster", "PassthroughCluster");
    assertThat(clusters.keySet()).allMatch(n -> !n.startsWith("outbound") || n.chars().filter(c -> c == '|')
        .count() == 3);
  }

  @Test
  void loadBalancerFromTheRuleAndSubsetOverride() {
    assertThat(clusters.get("outbound|9080||" + REVIEWS).getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(clusters.get("outbound|9080|v1|" + REVIEWS).getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(clusters.get("outbound|9080|v3|" + REVIEWS).getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);
    assertThat(clusters.get("outbound|9080||ratings.default.svc.cluster.local").getLbPolicy())
        .as("Istio's default").isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
  }

  @Test
  void subsetEndpointsAreSelectedByPodLabels() {
    Map<String, List<String>> eps = config.endpoints().stream().collect(Collectors.toMap(
        ClusterLoadAssignment::getClusterName,
        cla -> cla.getEndpointsList().stream().flatMap(l -> l.getLbEndpointsList().stream())
            .map(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
            .toList()));
    assertThat(eps.get("outbound|9080||" + REVIEWS)).containsExactly("10.244.0.12:9080", "10.244.0.13:9080",
        "10.244.0.14:9080");
    assertThat(eps.get("outbound|9080|v2|" + REVIEWS)).containsExactly("10.244.0.13:9080");
  }

  @Test
  void notReadyEndpointsGetNoTraffic() {
    var store = Samples.fromYaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec: {clusterIP: 10.96.2.2, ports: [{name: http, port: 80, targetPort: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:
        - addresses: [10.244.1.1]
          conditions: {ready: true}
        - addresses: [10.244.1.2]
          conditions: {ready: false}
        - addresses: [10.244.1.3]
          conditions: {ready: true, terminating: true}
        """);
    var cla = new ConfigGenerator(store.snapshot()).generate(Proxies.sidecar("default")).endpoints().get(0);
    assertThat(cla.getEndpointsList().get(0).getLbEndpointsList()).hasSize(1);
    assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress())
        .isEqualTo("10.244.1.1");
  }
}
