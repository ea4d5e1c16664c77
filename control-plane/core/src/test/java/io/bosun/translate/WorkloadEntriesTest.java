package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Workloads outside Kubernetes: a WorkloadEntry is an endpoint of the Services (selector) and
 * ServiceEntries (workloadSelector) of its namespace that select it, with its ports, locality,
 * weight and identity; an entry reported unhealthy gets no traffic; its sidecar serves it inbound.
 */
class WorkloadEntriesTest {
  private static final String MESH = """
      apiVersion: v1
      kind: Service
      metadata: {name: ratings, namespace: shop}
      spec: {clusterIP: 10.96.0.10, selector: {app: ratings}, ports: [{name: http, port: 9080, targetPort: 9080}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: ratings-1, namespace: shop, labels: {kubernetes.io/service-name: ratings}}
      addressType: IPv4
      ports: [{name: http, port: 9080}]
      endpoints: [{addresses: [10.0.0.1]}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: legacy, namespace: shop}
      spec:
        hosts: [legacy.shop.example]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{name: http, number: 80, protocol: HTTP, targetPort: 8000}]
        workloadSelector: {labels: {app: legacy}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm-1, namespace: shop}
      spec:
        address: 10.0.3.7
        labels: {app: ratings, version: vm, security.istio.io/tlsMode: istio}
        serviceAccount: ratings-vm
        locality: us-east1/us-east1-b/rack1
        weight: 3
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm-2, namespace: shop}
      spec: {address: 10.0.3.8, labels: {app: legacy}, ports: {http: 8888}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm-3, namespace: shop}
      spec: {address: 10.0.3.9, labels: {app: legacy}}
      status: {conditions: [{type: Healthy, status: "False"}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: elsewhere, namespace: other}
      spec: {address: 10.0.4.1, labels: {app: ratings}}
      """;
  private static final Proxy CLIENT = new Proxy("sidecar~10.0.0.9~c.shop~shop.svc.cluster.local", ProxyType.SIDECAR,
      "10.0.0.9", "c", "shop", Map.of("app", "c"), "", "spiffe://cluster.local/ns/shop/sa/c", false, true);

  @Test
  void aServiceAndAServiceEntrySelectTheEntriesOfTheirNamespace() {
    XdsResources config = generate(CLIENT);
    List<LbEndpoint> ratings = endpoints(config, "outbound|9080||ratings.shop.svc.cluster.local");
    assertThat(ratings).extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactlyInAnyOrder("10.0.0.1", "10.0.3.7");
    LbEndpoint vm = ratings.stream().filter(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress()
        .equals("10.0.3.7")).findFirst().orElseThrow();
    assertThat(vm.getLoadBalancingWeight().getValue()).isEqualTo(3);
    assertThat(vm.getMetadata().getFilterMetadataOrThrow("envoy.transport_socket_match").toString())
        .as("a meshed VM takes mutual TLS").contains("istio");
    ClusterLoadAssignment cla = config.endpoints().stream()
        .filter(e -> e.getClusterName().equals("outbound|9080||ratings.shop.svc.cluster.local")).findFirst()
        .orElseThrow();
    assertThat(cla.getEndpointsList()).anySatisfy(l -> assertThat(l.getLocality().getSubZone()).isEqualTo("rack1"));
    // the VM's identity is one the client accepts for ratings
    assertThat(config.clusters().stream()
        .filter(c -> c.getName().equals("outbound|9080||ratings.shop.svc.cluster.local")).findFirst().orElseThrow()
        .toString()).contains("spiffe://cluster.local/ns/shop/sa/ratings-vm");
    // the ServiceEntry's port by name, else its targetPort; the unhealthy entry left out
    assertThat(endpoints(config, "outbound|80||legacy.shop.example"))
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
            + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly("10.0.3.8:8888");
  }

  @Test
  void theVmsSidecarServesItsServicePortsInbound() {
    Proxy vm = new Proxy("sidecar~10.0.3.7~vm-1.shop~shop.svc.cluster.local", ProxyType.SIDECAR, "10.0.3.7", "vm-1",
        "shop", Map.of("app", "ratings"), "", "spiffe://cluster.local/ns/shop/sa/ratings-vm", false, true);
    assertThat(generate(vm).clusters()).extracting(c -> c.getName()).contains("inbound|9080||");
  }

  private static XdsResources generate(Proxy proxy) {
    ConfigStore store = Samples.fromYaml(MESH);
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    return new ConfigGenerator(store.snapshot()).generate(proxy);
  }

  private static List<LbEndpoint> endpoints(XdsResources config, String cluster) {
    return config.endpoints().stream().filter(e -> e.getClusterName().equals(cluster))
        .flatMap(e -> e.getEndpointsList().stream()).flatMap(l -> l.getLbEndpointsList().stream()).toList();
  }
}
