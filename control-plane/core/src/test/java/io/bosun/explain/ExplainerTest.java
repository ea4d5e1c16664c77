package io.bosun.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import io.bosun.translate.ConfigGenerator;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Explain over config Bosun generates for a sidecar (the capture hand-off, HTTP and TCP services,
 * passthrough) and Envoy's matching rules that the gateway IT does not reach: server names,
 * wildcard domains, path normalization.
 */
class ExplainerTest {
  private static final String CONFIG = """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: db, namespace: data}
      spec: {clusterIP: 10.96.0.11, ports: [{name: tcp, port: 5432}]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: api, namespace: other}
      spec: {clusterIP: 10.96.0.12, ports: [{name: http, port: 80, targetPort: 8080}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      ports: [{name: http, port: 8080}]
      endpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: web, namespace: shop}
      spec:
        hosts: [web]
        http:
        - name: jason
          match: [{headers: {end-user: {exact: jason}}}]
          route: [{destination: {host: api.other.svc.cluster.local}}]
        - name: everyone
          route: [{destination: {host: web}}]
      """;
  private static final String GATEWAY = "router~10.0.0.1~gw.istio-system~istio-system.svc.cluster.local";
  private static final String CLIENT = "sidecar~10.0.0.9~client.shop~shop.svc.cluster.local";

  private static XdsResources sidecarConfig() {
    Proxy client = new Proxy(CLIENT, ProxyType.SIDECAR, "10.0.0.9", "client", "shop", Map.of("app", "client"));
    return new ConfigGenerator(Samples.fromYaml(CONFIG).snapshot()).generate(client);
  }

  private static Explanation explain(String url, String... headers) {
    return Explainer.explain(CLIENT, sidecarConfig(), ExplainRequest.parse(url, "GET", List.of(headers), null));
  }

  @Test
  void aSidecarsHttpCallIsHandedToThePortsListenerAndRoutedByItsVirtualService() {
    Explanation e = explain("http://web/");
    assertThat(e.listener().name()).isEqualTo("0.0.0.0_80");
    assertThat(e.listener().why()).contains("virtualOutbound");
    assertThat(e.routeConfig()).isEqualTo("80");
    assertThat(e.virtualHost().name()).isEqualTo("web.shop.svc.cluster.local:80");
    assertThat(e.matchedRoute().name()).isEqualTo("everyone");
    assertThat(e.routes().get(0).reasons()).containsExactly("header end-user is missing (needs exactly \"jason\")");
    assertThat(e.clusters()).singleElement().satisfies(c -> {
      assertThat(c.name()).isEqualTo("outbound|80||web.shop.svc.cluster.local");
      assertThat(c.endpoints()).extracting(Explanation.EndpointInfo::address)
          .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    });

    Explanation jason = explain("http://web.shop.svc.cluster.local/", "end-user: jason");
    assertThat(jason.matchedRoute().name()).isEqualTo("jason");
    assertThat(jason.clusters().get(0).name()).isEqualTo("outbound|80||api.other.svc.cluster.local");
    assertThat(jason.clusters().get(0).note()).contains("no endpoints");
  }

  @Test
  void aTcpServiceIsFoundByItsAddressListener() {
    Explanation e = explain("http://db.data:5432/");
    assertThat(e.request()).contains("(to 10.96.0.11)");
    assertThat(e.listener().name()).isEqualTo("10.96.0.11_5432");
    assertThat(e.action().kind()).isEqualTo("tcp_proxy");
    assertThat(e.clusters().get(0).name()).isEqualTo("outbound|5432||db.data.svc.cluster.local");
    assertThat(e.routes()).isEmpty();
  }

  @Test
  void anUnknownPortPassesThroughTheCaptureListener() {
    Explanation e = explain("http://example.org:7777/");
    assertThat(e.listener().name()).isEqualTo("virtualOutbound");
    assertThat(e.filterChain().why()).contains("default chain");
    assertThat(e.clusters().get(0).name()).isEqualTo("PassthroughCluster");
    assertThat(e.clusters().get(0).type()).isEqualTo("ORIGINAL_DST");
  }

  @Test
  void anUnknownHostOnAKnownPortTakesTheCatchAllVirtualHost() {
    Explanation e = explain("http://example.org/");
    assertThat(e.virtualHost().why()).contains("catch-all");
    assertThat(e.clusters().get(0).name()).isEqualTo("PassthroughCluster");
  }

  @Test
  void filterChainsAreChosenBySpecificityWithoutGoingBack() {
    XdsResources config = listener(
        chain("wild", FilterChainMatch.newBuilder().addServerNames("*.example.com"), "wild"),
        chain("exact", FilterChainMatch.newBuilder().addServerNames("a.example.com"), "exact"),
        chain("any", FilterChainMatch.newBuilder(), "any"));
    assertThat(chainFor(config, "https://a.example.com/")).isEqualTo("exact");
    assertThat(chainFor(config, "https://c.example.com/")).isEqualTo("wild");
    assertThat(chainFor(config, "https://other.org/")).isEqualTo("any");
    assertThat(chainFor(config, "http://a.example.com:443/")).as("plaintext has no server name").isEqualTo("any");

    // the destination port picks "port" over every chain without one; its transport protocol then
    // fails, and Envoy does not go back to "any"
    XdsResources byPort = listener(
        chain("port", FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(443))
            .setTransportProtocol("raw_buffer"), "port"),
        chain("any", FilterChainMatch.newBuilder(), "any"));
    assertThat(chainFor(byPort, "http://b.example.com:443/")).isEqualTo("port");
    Explanation b = Explainer.explain(GATEWAY, byPort, ExplainRequest.parse("https://b.example.com/", "GET",
        List.of(), null));
    assertThat(b.filterChain()).isNull();
    assertThat(b.action().summary()).contains("no chain accepts transport protocol tls");
  }

  private static XdsResources listener(FilterChain... chains) {
    Listener l = Listener.newBuilder().setName("tls")
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0")
            .setPortValue(443)))
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector"))
        .addAllFilterChains(List.of(chains))
        .build();
    return new XdsResources(List.of(), List.of(), List.of(l), List.of());
  }

  private static String chainFor(XdsResources config, String url) {
    return Explainer.explain(GATEWAY, config, ExplainRequest.parse(url, "GET", List.of(), null)).filterChain().name();
  }

  private static FilterChain chain(String name, FilterChainMatch.Builder match, String cluster) {
    return FilterChain.newBuilder().setName(name).setFilterChainMatch(match)
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
            .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build())))
        .build();
  }

  @Test
  void virtualHostsFollowEnvoysDomainOrder() {
    RouteConfiguration rc = RouteConfiguration.newBuilder()
        .addVirtualHosts(VirtualHost.newBuilder().setName("any").addDomains("*"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("prefix").addDomains("api.*"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("short-suffix").addDomains("*.com"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("suffix").addDomains("*.example.com"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("exact").addDomains("API.example.com"))
        .build();
    assertThat(VirtualHosts.select(rc, "api.example.com", false).orElseThrow().host().getName()).isEqualTo("exact");
    assertThat(VirtualHosts.select(rc, "www.example.com", false).orElseThrow().host().getName()).isEqualTo("suffix");
    assertThat(VirtualHosts.select(rc, "api.other.com", false).orElseThrow().host().getName())
        .isEqualTo("short-suffix");
    assertThat(VirtualHosts.select(rc, "api.local", false).orElseThrow().host().getName()).isEqualTo("prefix");
    assertThat(VirtualHosts.select(rc, "localhost", false).orElseThrow().host().getName()).isEqualTo("any");
    assertThat(VirtualHosts.select(rc, "api.example.com:8080", false).orElseThrow().host().getName())
        .isEqualTo("prefix");
    assertThat(VirtualHosts.select(rc, "api.example.com:8080", true).orElseThrow().host().getName())
        .isEqualTo("exact");
  }

  @Test
  void pathsAreNormalizedAsEnvoyDoesBeforeRouting() {
    assertThat(HttpPaths.normalize("/a/./b/../c?x=/../", true, false)).isEqualTo("/a/c?x=/../");
    assertThat(HttpPaths.normalize("/%73ecret", true, false)).isEqualTo("/secret");
    assertThat(HttpPaths.normalize("/a%2fb", true, false)).isEqualTo("/a%2Fb");
    assertThat(HttpPaths.normalize("/a//b", true, true)).isEqualTo("/a/b");
    assertThat(HttpPaths.normalize("/a/./b", false, false)).isEqualTo("/a/./b");
  }

  @Test
  void requestsAreParsedWithFriendlyErrors() {
    ExplainRequest r = ExplainRequest.parse("reviews:9080/a?b=c", "post", List.of("End-User: jason"), null);
    assertThat(r.scheme()).isEqualTo("http");
    assertThat(r.port()).isEqualTo(9080);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.pathOnly()).isEqualTo("/a");
    assertThat(r.query()).isEqualTo("b=c");
    assertThat(r.header("end-user")).contains("jason");
    assertThat(r.authority()).isEqualTo("reviews:9080");
    assertThat(ExplainRequest.parse("https://10.0.0.5/", "GET", List.of(), null).address()).isEqualTo("10.0.0.5");
    assertThat(ExplainRequest.parse("http://x/", "GET", List.of("Host: y.example.com"), null).authority())
        .isEqualTo("y.example.com");
    assertThatThrownBy(() -> ExplainRequest.parse("ftp://x/", "GET", List.of(), null))
        .hasMessageContaining("only http and https");
    assertThatThrownBy(() -> ExplainRequest.parse("http://x/", "GET", List.of("no-colon"), null))
        .hasMessageContaining("\"no-colon\" is not \"Name: value\"");
  }
}
