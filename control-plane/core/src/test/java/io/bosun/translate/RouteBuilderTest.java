package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.testing.Proxies;
import io.bosun.testing.RouteSimulator;
import io.bosun.testing.RouteSimulator.Hit;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which route and cluster a request hits, on the bookinfo sample. */
class RouteBuilderTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  private static RouteConfiguration table(List<RouteConfiguration> all, String name) {
    return all.stream().filter(r -> r.getName().equals(name)).findFirst().orElseThrow();
  }

  private static RouteConfiguration sidecar9080(String namespace) {
    var snapshot = Samples.load("bookinfo").snapshot();
    return table(RouteBuilder.sidecar(snapshot, Proxies.sidecar(namespace)), "9080");
  }

  @Test
  void headerMatchWinsBeforeTheWeightedDefault() {
    RouteConfiguration rc = sidecar9080("default");
    Hit jason = RouteSimulator.route(rc, "reviews:9080", "/reviews/1", Map.of("end-user", "jason")).orElseThrow();
    assertThat(jason.virtualHost()).isEqualTo(REVIEWS + ":9080");
    assertThat(jason.cluster()).isEqualTo("outbound|9080|v2|" + REVIEWS);

    Hit other = RouteSimulator.route(rc, "reviews", "/reviews/1", Map.of("end-user", "mary")).orElseThrow();
    assertThat(other.weights()).containsExactly(
        Map.entry("outbound|9080|v1|" + REVIEWS, 90), Map.entry("outbound|9080|v3|" + REVIEWS, 10));
  }

  @Test
  void everyIstioDomainFormReachesTheService() {
    RouteConfiguration rc = sidecar9080("default");
    for (String authority : List.of("reviews", "reviews:9080", "reviews.default", "reviews.default.svc",
        "reviews.default.svc.cluster.local", "reviews.default.svc.cluster.local:9080", "10.96.0.12",
            "10.96.0.12:9080")) {
      assertThat(RouteSimulator.route(rc, authority, "/", Map.of()).orElseThrow().virtualHost())
          .as(authority).isEqualTo(REVIEWS + ":9080");
    }
  }

  @Test
  void shortNameOfAnotherNamespaceFallsToPassthrough() {
    RouteConfiguration rc = sidecar9080("other");
    Hit hit = RouteSimulator.route(rc, "reviews", "/", Map.of()).orElseThrow();
    assertThat(hit.virtualHost()).isEqualTo("allow_any");
    assertThat(hit.cluster()).isEqualTo("PassthroughCluster");
    assertThat(RouteSimulator.route(rc, "reviews.default", "/", Map.of()).orElseThrow().virtualHost())
        .isEqualTo(REVIEWS + ":9080");
  }

  @Test
  void regexUriMatchAndDefaultRouteWithoutVirtualService() {
    RouteConfiguration rc = sidecar9080("default");
    assertThat(RouteSimulator.route(rc, "ratings", "/ratings/42", Map.of()).orElseThrow().route().getMatch()
        .getSafeRegex().getRegex()).isEqualTo("^/ratings/[0-9]+$");
    Hit details = RouteSimulator.route(rc, "details", "/anything", Map.of()).orElseThrow();
    assertThat(details.route().getName()).isEqualTo("default");
    assertThat(details.cluster()).isEqualTo("outbound|9080||details.default.svc.cluster.local");
    assertThat(details.route().getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
  }

  @Test
  void gatewayRoutesOnlyItsHostsAndPaths() {
    var snapshot = Samples.load("bookinfo").snapshot();
    RouteConfiguration rc = table(RouteBuilder.gateway(snapshot, Proxies.ingressGateway()), "http.8080");
    String productpage = "outbound|9080||productpage.default.svc.cluster.local";
    assertThat(RouteSimulator.route(rc, "bookinfo.example.com", "/productpage", Map.of()).orElseThrow().cluster())
        .isEqualTo(productpage);
    assertThat(RouteSimulator.route(rc, "bookinfo.example.com:8080", "/static/css", Map.of()).orElseThrow().cluster())
        .isEqualTo(productpage);
    assertThat(RouteSimulator.route(rc, "bookinfo.example.com", "/productpage/x", Map.of())).isEmpty();
    assertThat(RouteSimulator.route(rc, "other.example.com", "/productpage", Map.of())).isEmpty();
  }

  @Test
  void gatewayNotSelectingTheProxyGivesItNothing() {
    var snapshot = Samples.load("bookinfo").snapshot();
    var proxy = new Proxy("router~1.1.1.1~gw.x~x.svc.cluster.local", ProxyType.ROUTER,
        "1.1.1.1", "gw", "x", Map.of("istio", "egressgateway"));
    assertThat(RouteBuilder.gateway(snapshot, proxy)).isEmpty();
    assertThat(ListenerBuilder.gateway(snapshot, proxy)).isEmpty();
  }

  @Test
  void duplicateDomainsStayWithTheFirstVirtualHost() {
    var store = Samples.fromYaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: default}
        spec: {clusterIP: 10.96.1.1, ports: [{name: http, port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: b, namespace: default}
        spec: {clusterIP: 10.96.1.1, ports: [{name: http, port: 80}]}
        """);
    RouteConfiguration rc = table(RouteBuilder.sidecar(store.snapshot(), Proxies.sidecar("default")), "80");
    long owners = rc.getVirtualHostsList().stream().filter(v -> v.getDomainsList().contains("10.96.1.1")).count();
    assertThat(owners).isEqualTo(1);
  }

  @Test
  void sourceLabelsAndNamespaceDecideWhichSidecarsGetARoute() {
    var store = Samples.fromYaml("""
        apiVersion: v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec: {clusterIP: 10.96.3.3, ports: [{name: http, port: 9080}]}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews]
          http:
          - match: [{sourceLabels: {app: productpage}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - match: [{sourceNamespace: other}]
            route: [{destination: {host: reviews, subset: v3}}]
          - route: [{destination: {host: reviews, subset: v1}}]
        """);
    var productpage = new Proxy("sidecar~10.0.0.1~pp.default~default.svc.cluster.local",
        ProxyType.SIDECAR, "10.0.0.1", "pp", "default", Map.of("app", "productpage"));
    String host = "reviews.default.svc.cluster.local";
    assertThat(RouteSimulator.route(table(RouteBuilder.sidecar(store.snapshot(), productpage), "9080"), host, "/",
        Map.of()).orElseThrow().cluster()).isEqualTo("outbound|9080|v2|" + host);
    assertThat(RouteSimulator.route(table(RouteBuilder.sidecar(store.snapshot(), Proxies.sidecar("default")), "9080"),
        host, "/", Map.of()).orElseThrow().cluster()).isEqualTo("outbound|9080|v1|" + host);
    assertThat(RouteSimulator.route(table(RouteBuilder.sidecar(store.snapshot(), Proxies.sidecar("other")), "9080"),
        host, "/", Map.of()).orElseThrow().cluster()).isEqualTo("outbound|9080|v3|" + host);
    assertThat(ProxyIdentity.group(productpage)).as("labels change the config, so they are part of the group")
        .isNotEqualTo(ProxyIdentity.group(Proxies.sidecar("default")));
  }
}
