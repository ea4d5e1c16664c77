package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Proxies;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What Istio accepts and Bosun now translates too: authority headers, warmup, HTTP/2 keepalive, unix sockets. */
class IstioCompatibilityTest {
  private static final String SERVICE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: api, namespace: default}
      spec:
        hosts: [api.internal]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{number: 80, name: http, protocol: HTTP}, {number: 9000, name: grpc, protocol: GRPC}]
        endpoints: [{address: 10.1.1.1, labels: {version: v1}}, {address: 10.1.1.2, labels: {version: v2}}]
      ---
      """;

  private static XdsResources generate(String yaml) {
    var store = Samples.fromYaml(SERVICE + yaml);
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    return new ConfigGenerator(store.snapshot()).generate(Proxies.sidecar("default"));
  }

  private static Cluster cluster(XdsResources x, String name) {
    return x.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static List<Route> routes(XdsResources x, String table) {
    RouteConfiguration rc = x.routes().stream().filter(r -> r.getName().equals(table)).findFirst().orElseThrow();
    return rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("api.internal"))
        .findFirst().orElseThrow().getRoutesList();
  }

  @Test
  void anAuthorityHeaderIsAHostRewriteForTheRouteOrTheWeightedDestination() {
    var x = generate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: api, namespace: default}
        spec:
          hosts: [api.internal]
          http:
          - match: [{uri: {prefix: /one}}]
            headers: {request: {set: {":authority": one.internal, x-a: b}}}
            route: [{destination: {host: api.internal, port: {number: 80}}, headers: {request: {set: {host: lost}}}}]
          - match: [{uri: {prefix: /single}}]
            route: [{destination: {host: api.internal, port: {number: 80}}, headers: {request: {add: {Host: s}}}}]
          - route:
            - {destination: {host: api.internal, port: {number: 80}}, weight: 90, headers: {request: {set: {host: w}}}}
            - {destination: {host: api.internal, port: {number: 80}}, weight: 10}
        """);
    List<Route> routes = routes(x, "80");
    assertThat(routes.get(0).getRoute().getHostRewriteLiteral()).as("the route's wins").isEqualTo("one.internal");
    assertThat(routes.get(0).getRequestHeadersToAddList()).extracting(h -> h.getHeader().getKey())
        .containsExactly("x-a");
    assertThat(routes.get(1).getRoute().getHostRewriteLiteral()).isEqualTo("s");
    assertThat(routes.get(1).getRequestHeadersToAddList()).isEmpty();
    var weighted = routes.get(2).getRoute().getWeightedClusters().getClustersList();
    assertThat(weighted.get(0).getHostRewriteLiteral()).isEqualTo("w");
    assertThat(weighted.get(0).getRequestHeadersToAddList()).extracting(HeaderValueOption::getHeader).isEmpty();
    assertThat(weighted.get(1).getHostRewriteLiteral()).isEmpty();
  }

  @Test
  void warmupIsEnvoysSlowStartForRoundRobinAndLeastRequest() {
    var x = generate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: api, namespace: default}
        spec:
          host: api.internal
          trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 60s, minimumPercent: 20}}}
          subsets:
          - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {warmupDurationSecs: 30s}}}
          - {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
        """);
    var top = cluster(x, "outbound|80||api.internal").getRoundRobinLbConfig().getSlowStartConfig();
    assertThat(top.getSlowStartWindow().getSeconds()).isEqualTo(60);
    assertThat(top.getMinWeightPercent().getValue()).isEqualTo(20);
    assertThat(top.getAggression().getDefaultValue()).as("Istio's default").isEqualTo(1.0);
    Cluster v1 = cluster(x, "outbound|80|v1|api.internal");
    assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(v1.getLeastRequestLbConfig().getSlowStartConfig().getSlowStartWindow().getSeconds()).isEqualTo(30);
    Cluster v2 = cluster(x, "outbound|80|v2|api.internal");
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);
    assertThat(v2.hasRoundRobinLbConfig() || v2.hasLeastRequestLbConfig()).as("a subset's loadBalancer replaces the"
        + " whole of the top-level one").isFalse();
  }

  @Test
  void http2KeepAliveSendsPingsOnHttp2Clusters() throws Exception {
    var x = generate("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: api, namespace: default}
        spec:
          host: api.internal
          trafficPolicy: {connectionPool: {http: {http2KeepAlive: {interval: 30s, timeout: 5s}}}}
        """);
    var options = cluster(x, "outbound|9000||api.internal").getTypedExtensionProtocolOptionsOrThrow(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions").unpack(HttpProtocolOptions.class);
    var keepalive = options.getExplicitHttpConfig().getHttp2ProtocolOptions().getConnectionKeepalive();
    assertThat(keepalive.getInterval().getSeconds()).isEqualTo(30);
    assertThat(keepalive.getTimeout().getSeconds()).isEqualTo(5);
    assertThat(cluster(x, "outbound|80||api.internal").getTypedExtensionProtocolOptionsMap())
        .as("HTTP/1.1 has no PINGs").isEmpty();
  }

  @Test
  void aUnixSocketEndpointIsAPipe() {
    var store = Samples.fromYaml("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: agent, namespace: default}
        spec:
          hosts: [agent.local]
          resolution: STATIC
          ports: [{number: 8126, name: http, protocol: HTTP}]
          endpoints: [{address: "unix:///var/run/agent.sock"}]
        """);
    var cla = new ConfigGenerator(store.snapshot()).generate(Proxies.sidecar("default")).endpoints().stream()
        .filter(c -> c.getClusterName().equals("outbound|8126||agent.local")).findFirst().orElseThrow();
    assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getPipe().getPath())
        .isEqualTo("/var/run/agent.sock");
  }
}
