package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Golden;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Sidecar resource: which one applies (selecting, then the namespace's, then the root
 * namespace's), what its egress hosts import (services, their routes and endpoints), its
 * outboundTrafficPolicy, and that the inbound side depends on it only through its ingress listeners.
 */
class SidecarScopeTest {
  private static final String SERVICES = """
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
      """;

  private static final String SHOP_SIDECARS = """
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: default, namespace: shop}
      spec:
        egress: [{hosts: ["./*", "data/db.data.svc.cluster.local"]}]
        outboundTrafficPolicy: {mode: REGISTRY_ONLY}
      ---
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: isolated, namespace: shop}
      spec:
        workloadSelector: {labels: {app: isolated}}
        egress: [{hosts: ["~/*"]}]
      ---
      """;

  private static final String ROOT_SIDECAR = """
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: default, namespace: istio-system}
      spec:
        egress: [{hosts: ["./*"]}]
      """;

  private static Proxy sidecar(String ip, String namespace, String app) {
    return new Proxy("sidecar~" + ip + "~" + app + "." + namespace + "~" + namespace + ".svc.cluster.local",
        ProxyType.SIDECAR, ip, app, namespace, Map.of("app", app));
  }

  private static List<String> outbound(XdsResources r) {
    return r.clusters().stream().map(Cluster::getName).filter(n -> n.startsWith("outbound|")).toList();
  }

  private static List<String> vhosts(XdsResources r) {
    return r.routes().stream().flatMap(rc -> rc.getVirtualHostsList().stream()).map(VirtualHost::getName).toList();
  }

  @Test
  void theNamespacesSidecarImportsWhatItsEgressNames() {
    XdsResources r = new ConfigGenerator(Samples.fromYaml(SERVICES + SHOP_SIDECARS).snapshot())
        .generate(sidecar("10.0.0.9", "shop", "client"));
    assertThat(outbound(r)).containsExactlyInAnyOrder("outbound|80||web.shop.svc.cluster.local",
        "outbound|5432||db.data.svc.cluster.local");
    assertThat(r.endpoints()).extracting(e -> e.getClusterName())
        .containsExactly("outbound|5432||db.data.svc.cluster.local", "outbound|80||web.shop.svc.cluster.local");
    assertThat(vhosts(r)).contains("web.shop.svc.cluster.local:80", Names.BLOCK_ALL_VHOST)
        .doesNotContain("api.other.svc.cluster.local:80", Names.ALLOW_ANY_VHOST);
  }

  @Test
  void aSelectingSidecarWinsAndTheInboundSideStays() {
    XdsResources r = new ConfigGenerator(Samples.fromYaml(SERVICES + SHOP_SIDECARS).snapshot())
        .generate(sidecar("10.0.0.1", "shop", "isolated"));
    assertThat(outbound(r)).as("~/* imports nothing").isEmpty();
    assertThat(r.clusters()).extracting(Cluster::getName).as("its pod still serves web").contains("inbound|8080||");
    assertThat(r.routes()).as("no HTTP service imported: no route tables").isEmpty();
  }

  @Test
  void withoutItsOwnANamespaceTakesTheRootNamespacesOrNone() {
    Proxy other = sidecar("10.0.0.8", "other", "client");
    XdsResources none = new ConfigGenerator(Samples.fromYaml(SERVICES + SHOP_SIDECARS).snapshot()).generate(other);
    assertThat(outbound(none)).as("no Sidecar: the whole mesh").hasSize(3);
    XdsResources root = new ConfigGenerator(Samples.fromYaml(SERVICES + SHOP_SIDECARS + ROOT_SIDECAR).snapshot())
        .generate(other);
    assertThat(outbound(root)).as("the root namespace's ./* is the workload's namespace")
        .containsExactly("outbound|80||api.other.svc.cluster.local");
    XdsResources shop = new ConfigGenerator(Samples.fromYaml(SERVICES + SHOP_SIDECARS + ROOT_SIDECAR).snapshot())
        .generate(sidecar("10.0.0.9", "shop", "client"));
    assertThat(outbound(shop)).as("a namespace's own Sidecar comes before the root's").hasSize(2);
  }

  /**
   * Ingress listeners replace the ports the workload's Services imply: one chain and one
   * {@code inbound|<port>||} cluster each, to the endpoint it names (loopback, the pod's own IP at
   * another port, or a unix socket).
   */
  @Test
  void ingressListenersReplaceTheInboundPortsOfTheServices() {
    String ingress = """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: web, namespace: shop}
        spec:
          workloadSelector: {labels: {app: web}}
          ingress:
          - {port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:8080"}
          - {port: {number: 9443, protocol: TCP, name: tcp}, defaultEndpoint: "0.0.0.0:8443"}
          - {port: {number: 9090, protocol: HTTP, name: http-sock}, defaultEndpoint: "unix:///var/run/app.sock"}
          egress: [{hosts: ["./*"]}]
        """;
    ConfigStore store = Samples.fromYaml(SERVICES + ingress);
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    XdsResources r = new ConfigGenerator(store.snapshot()).generate(sidecar("10.0.0.1", "shop", "web"));

    Map<String, Cluster> inbound = r.clusters().stream().filter(c -> c.getName().startsWith("inbound|"))
        .collect(Collectors.toMap(Cluster::getName, c -> c));
    assertThat(inbound).as("the Service's 8080 is replaced").containsOnlyKeys("inbound|9080||", "inbound|9443||",
        "inbound|9090||");
    Cluster loopback = inbound.get("inbound|9080||");
    assertThat(loopback.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(loopback.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress()).satisfies(a -> {
          assertThat(a.getAddress()).isEqualTo("127.0.0.1");
          assertThat(a.getPortValue()).isEqualTo(8080);
        });
    assertThat(loopback.getUpstreamBindConfig().getSourceAddress().getAddress()).isEqualTo("127.0.0.6");
    Cluster podIp = inbound.get("inbound|9443||");
    assertThat(podIp.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
    assertThat(podIp.getOriginalDstLbConfig().getUpstreamPortOverride().getValue()).isEqualTo(8443);
    assertThat(inbound.get("inbound|9090||").getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
        .getAddress().getPipe().getPath()).isEqualTo("/var/run/app.sock");

    Listener virtualInbound = r.listeners().stream().filter(l -> l.getName().equals(Names.VIRTUAL_INBOUND))
        .findFirst().orElseThrow();
    assertThat(virtualInbound.getFilterChainsList()).extracting(fc -> fc.getFilterChainMatch().getDestinationPort()
        .getValue()).containsExactlyInAnyOrder(9080, 9443, 9090);

    XdsResources other = new ConfigGenerator(store.snapshot()).generate(sidecar("10.0.0.2", "shop", "client"));
    assertThat(other.clusters()).extracting(Cluster::getName).as("a workload the Sidecar does not select")
        .contains("inbound|8080||").doesNotContain("inbound|9080||");
  }

  /** Bookinfo's productpage scoped to what it calls, REGISTRY_ONLY: the whole config, golden. */
  @Test
  void bookinfoProductpageScopedGolden() throws Exception {
    StringBuilder yaml = new StringBuilder();
    try (Stream<Path> files = Files.list(Samples.dir("bookinfo"))) {
      for (Path f : files.sorted().toList()) {
        yaml.append(Files.readString(f)).append("\n---\n");
      }
    }
    yaml.append("""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: productpage, namespace: default}
        spec:
          workloadSelector: {labels: {app: productpage}}
          egress: [{hosts: ["./reviews.default.svc.cluster.local", "./details.default.svc.cluster.local"]}]
          outboundTrafficPolicy: {mode: REGISTRY_ONLY}
        """);
    ConfigStore store = Samples.fromYaml(yaml.toString());
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    XdsResources c = new ConfigGenerator(store.snapshot()).generate(FeaturesGoldenTest.PRODUCTPAGE);
    assertThat(outbound(c)).allMatch(n -> n.contains("reviews.default") || n.contains("details.default"));
    assertThat(vhosts(c)).contains(Names.BLOCK_ALL_VHOST).noneMatch(v -> v.startsWith("ratings."));
    Golden.assertMatches("bookinfo-sidecar-scoped.json", TranslationGoldenTest.render(c));
  }
}
