package io.bosun.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.testing.Samples;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Localities from Nodes and Pods, as Istio reads them in Kubernetes. */
class LocalitiesTest {
  static final String CONFIG = """
      apiVersion: v1
      kind: Node
      metadata:
        name: n1
        labels: {topology.kubernetes.io/region: us-east, topology.kubernetes.io/zone: us-east-1a,
                 topology.istio.io/subzone: rack7}
      ---
      apiVersion: v1
      kind: Node
      metadata: {name: bare}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      ports: [{name: http, port: 8080}]
      endpoints:
      - {addresses: [10.0.0.1], zone: us-east-1a, targetRef: {kind: Pod, name: on-n1}}
      - {addresses: [10.0.0.2], zone: zone-b, targetRef: {kind: Pod, name: on-bare}}
      - {addresses: [10.0.0.3], zone: us-east-1a, targetRef: {kind: Pod, name: moved}}
      - {addresses: [10.0.0.4], zone: zone-c}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: on-n1, namespace: shop, labels: {app: web}}
      spec: {nodeName: n1, containers: [{name: app, image: app}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: on-bare, namespace: shop, labels: {app: web}}
      spec: {nodeName: bare, containers: [{name: app, image: app}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: moved, namespace: shop, labels: {app: web, istio-locality: eu-west.eu-west-2b}}
      spec: {nodeName: n1, containers: [{name: app, image: app}]}
      """;

  @Test
  void anEndpointTakesItsPodsOverrideElseItsNodesLabelsElseTheSlicesZone() {
    var store = Samples.fromYaml(CONFIG);
    assertThat(store.problems()).isEmpty();
    ServiceRegistry registry = store.snapshot().registry();
    Map<String, String> byAddress = new TreeMap<>();
    registry.endpoints("web.shop.svc.cluster.local").forEach(e -> byAddress.put(e.address(), e.locality()));
    assertThat(byAddress).containsExactly(
        Map.entry("10.0.0.1", "us-east/us-east-1a/rack7"),
        Map.entry("10.0.0.2", "/zone-b"),
        Map.entry("10.0.0.3", "eu-west/eu-west-2b"),
        Map.entry("10.0.0.4", "/zone-c"));
    assertThat(registry.podLocality("shop", "on-n1")).isEqualTo("us-east/us-east-1a/rack7");
    assertThat(registry.podLocality("shop", "on-bare")).isEmpty();
    assertThat(registry.podLocality("shop", "unknown")).isEmpty();
  }

  @Test
  void nodeLabelsAndPodOverrides() {
    assertThat(Localities.ofNode(Map.of())).isEmpty();
    assertThat(Localities.ofNode(Map.of(Localities.ZONE, "z1"))).isEqualTo("/z1/");
    assertThat(Localities.ofPod(Map.of("topology.istio.io/locality", "r.z.s"), "a/b/c", "")).isEqualTo("r/z/s");
    assertThat(Localities.ofPod(Map.of(), "a/b/c", "/z")).isEqualTo("a/b/c");
    assertThat(Localities.ofPod(Map.of(), "", "/z")).isEqualTo("/z");
  }
}
