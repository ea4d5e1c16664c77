package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A generation that changed endpoints only takes over the last one's clusters, listeners and
 * routes, and its unchanged assignments as the same instances (scale probe: an endpoint change
 * used to re-translate everything for every proxy); any other change translates afresh.
 */
class GenerationsTest {
  private static String mesh(String webEndpoints, int timeoutSeconds) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec: {clusterIP: 10.96.0.11, ports: [{name: tcp, port: 5432}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints: %s
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: db-1, namespace: shop, labels: {kubernetes.io/service-name: db}}
        addressType: IPv4
        ports: [{name: tcp, port: 5432}]
        endpoints: [{addresses: [10.0.0.3]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: shop}
        spec:
          hosts: [web]
          http: [{route: [{destination: {host: web}}], timeout: %ds}]
        """.formatted(webEndpoints, timeoutSeconds);
  }

  private static final Proxy CLIENT = new Proxy("sidecar~10.0.0.9~client.shop~shop.svc.cluster.local",
      ProxyType.SIDECAR, "10.0.0.9", "client", "shop", Map.of("app", "client"));

  private static MeshSnapshot snapshot(String webEndpoints, int timeout) {
    return Samples.fromYaml(mesh(webEndpoints, timeout)).snapshot();
  }

  private static ClusterLoadAssignment assignment(XdsResources r, String cluster) {
    return r.endpoints().stream().filter(e -> e.getClusterName().equals(cluster)).findFirst().orElseThrow();
  }

  @Test
  void anEndpointChangeKeepsEverythingElse() {
    ConfigGenerator first = new ConfigGenerator(snapshot("[{addresses: [10.0.0.1]}]", 1));
    XdsResources before = first.generate(CLIENT);
    MeshSnapshot scaled = snapshot("[{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]", 1);
    ConfigGenerator second = new ConfigGenerator(scaled, first);
    XdsResources after = second.generate(CLIENT);

    assertThat(second.endpointsOnly()).isTrue();
    assertThat(after.clusters()).isSameAs(before.clusters());
    assertThat(after.listeners()).isSameAs(before.listeners());
    assertThat(after.routes()).isSameAs(before.routes());
    assertThat(after.clustersVersion()).isEqualTo(before.clustersVersion());
    String db = "outbound|5432||db.shop.svc.cluster.local";
    String web = "outbound|80||web.shop.svc.cluster.local";
    assertThat(assignment(after, db)).as("unchanged: the same instance").isSameAs(assignment(before, db));
    assertThat(assignment(after, web).getEndpoints(0).getLbEndpointsCount()).isEqualTo(2);
    // and exactly what translating the new generation from scratch gives
    assertThat(after).isEqualTo(new ConfigGenerator(scaled).generate(CLIENT));
    assertThat(after.endpointsVersion()).isEqualTo(new ConfigGenerator(scaled).generate(CLIENT).endpointsVersion());
  }

  @Test
  void aConfigChangeTranslatesAfresh() {
    ConfigGenerator first = new ConfigGenerator(snapshot("[{addresses: [10.0.0.1]}]", 1));
    XdsResources before = first.generate(CLIENT);
    MeshSnapshot changed = snapshot("[{addresses: [10.0.0.1]}]", 2);
    ConfigGenerator second = new ConfigGenerator(changed, first);
    XdsResources after = second.generate(CLIENT);

    assertThat(second.endpointsOnly()).isFalse();
    assertThat(after.routes()).isNotEqualTo(before.routes());
    assertThat(after).isEqualTo(new ConfigGenerator(changed).generate(CLIENT));
  }

  @Test
  void aNewServiceAccountBehindAServiceIsMoreThanAnEndpointChange() {
    String pods = """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-a, namespace: shop, labels: {app: web}}
        spec: {serviceAccountName: web, containers: [{name: app, image: x}]}
        status: {podIP: 10.0.0.1}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-b, namespace: shop, labels: {app: web}}
        spec: {serviceAccountName: %s, containers: [{name: app, image: x}]}
        status: {podIP: 10.0.0.2}
        """;
    String one = "[{addresses: [10.0.0.1], targetRef: {kind: Pod, name: web-a}}]";
    String two = "[{addresses: [10.0.0.1], targetRef: {kind: Pod, name: web-a}},"
        + " {addresses: [10.0.0.2], targetRef: {kind: Pod, name: web-b}}]";
    MeshSnapshot last = Samples.fromYaml(mesh(one, 1) + pods.formatted("web")).snapshot();
    // a replica with the same identity: mutual TLS checks the same names, the clusters stay
    assertThat(Generations.endpointsOnly(last, Samples.fromYaml(mesh(two, 1) + pods.formatted("web")).snapshot()))
        .isTrue();
    // another identity behind the service: its clusters must accept it too
    MeshSnapshot other = Samples.fromYaml(mesh(two, 1) + pods.formatted("legacy")).snapshot();
    assertThat(Generations.endpointsOnly(last, other)).isFalse();
    assertThat(new ConfigGenerator(other, new ConfigGenerator(last)).endpointsOnly()).isFalse();
  }
}
