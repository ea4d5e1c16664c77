package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.RouteSimulator;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** exportTo of the four kinds (and a Service's annotation), and ServiceEntry workloadSelector. */
class VisibilityTest {
  private static final String CONFIG = """
      apiVersion: v1
      kind: Service
      metadata:
        name: private
        namespace: team-a
        annotations: {networking.istio.io/exportTo: "."}
      spec: {clusterIP: 10.96.1.1, ports: [{name: http, port: 80}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: partner, namespace: team-a}
      spec:
        hosts: [partner.example.com]
        exportTo: [team-b]
        resolution: DNS
        ports: [{name: http, number: 80, protocol: HTTP}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: shared, namespace: team-a}
      spec: {clusterIP: 10.96.1.2, ports: [{name: http, port: 80}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: shared-canary, namespace: team-a}
      spec:
        hosts: [shared]
        exportTo: ["."]
        http: [{route: [{destination: {host: shared, subset: canary}}]}]
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: shared-local, namespace: team-a}
      spec:
        host: shared
        exportTo: ["."]
        trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
        subsets: [{name: canary, labels: {track: canary}}]
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: shared-b, namespace: team-b}
      spec:
        host: shared.team-a.svc.cluster.local
        exportTo: ["."]
        trafficPolicy: {loadBalancer: {simple: RANDOM}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: workers, namespace: team-a}
      spec:
        hosts: [workers.internal]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{name: http, number: 8080, protocol: HTTP}]
        workloadSelector: {labels: {app: worker}}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: worker-1, namespace: team-a, labels: {app: worker}}
      status: {podIP: 10.244.1.5}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: worker-2, namespace: team-b, labels: {app: worker}}
      status: {podIP: 10.244.2.5}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: other-1, namespace: team-a, labels: {app: other}}
      status: {podIP: 10.244.1.6}
      """;

  private static XdsResources config(String namespace) {
    var store = Samples.fromYaml(CONFIG);
    assertThat(store.problems()).isEmpty();
    return new ConfigGenerator(store.snapshot()).generate(new Proxy("sidecar~10.244.9.9~c." + namespace + "~"
        + namespace + ".svc.cluster.local", ProxyType.SIDECAR, "10.244.9.9", "c", namespace, Map.of()));
  }

  private static List<String> clusterNames(XdsResources c) {
    return c.clusters().stream().map(Cluster::getName).toList();
  }

  private static Cluster cluster(XdsResources c, String name) {
    return c.clusters().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void servicesAreSeenOnlyWhereTheyAreExported() {
    assertThat(clusterNames(config("team-a"))).contains("outbound|80||private.team-a.svc.cluster.local")
        .doesNotContain("outbound|80||partner.example.com");
    assertThat(clusterNames(config("team-b"))).contains("outbound|80||partner.example.com")
        .doesNotContain("outbound|80||private.team-a.svc.cluster.local");
    assertThat(clusterNames(config("team-c"))).doesNotContain("outbound|80||partner.example.com",
        "outbound|80||private.team-a.svc.cluster.local").contains("outbound|80||shared.team-a.svc.cluster.local");
  }

  @Test
  void virtualServicesApplyOnlyWhereTheyAreExported() {
    RouteConfiguration a = route(config("team-a"));
    assertThat(RouteSimulator.route(a, "shared", "/", Map.of()).orElseThrow().cluster())
        .isEqualTo("outbound|80|canary|shared.team-a.svc.cluster.local");
    RouteConfiguration c = route(config("team-c"));
    assertThat(RouteSimulator.route(c, "shared.team-a", "/", Map.of()).orElseThrow().cluster())
        .as("the VirtualService is not exported to team-c: default route")
        .isEqualTo("outbound|80||shared.team-a.svc.cluster.local");
  }

  @Test
  void theClientsOwnNamespaceDestinationRuleWinsAndHiddenOnesDoNotApply() {
    String shared = "outbound|80||shared.team-a.svc.cluster.local";
    assertThat(cluster(config("team-a"), shared).getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(cluster(config("team-b"), shared).getLbPolicy()).as("team-b's own rule")
        .isEqualTo(Cluster.LbPolicy.RANDOM);
    assertThat(cluster(config("team-c"), shared).getLbPolicy()).as("no rule is exported to team-c")
        .isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(clusterNames(config("team-c"))).doesNotContain("outbound|80|canary|shared.team-a.svc.cluster.local");
  }

  @Test
  void aWorkloadSelectorMakesTheSelectedPodsOfItsNamespaceTheEndpoints() {
    var eps = config("team-a").endpoints().stream()
        .filter(e -> e.getClusterName().equals("outbound|8080||workers.internal")).findFirst().orElseThrow();
    assertThat(eps.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
            + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly("10.244.1.5:8080");
  }

  private static RouteConfiguration route(XdsResources c) {
    return c.routes().stream().filter(r -> r.getName().equals("80")).findFirst().orElseThrow();
  }
}
