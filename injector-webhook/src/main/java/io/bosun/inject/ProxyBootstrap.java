package io.bosun.inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The injected Envoy's bootstrap, passed inline with {@code --config-yaml}. The kubelet expands
 * the {@code $(POD_NAME)}-style references from the container's downward-API environment, so the
 * node id is Istio's {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}. Besides ADS to Bosun it
 * has the static listeners a plain Envoy needs to look like Istio's proxy: readiness
 * {@code /healthz/ready} on 15021 and Prometheus stats on 15090, both answered by the admin API
 * on 127.0.0.1:15000.
 */
final class ProxyBootstrap {
  static final int ADMIN_PORT = 15000;
  static final int READY_PORT = 15021;
  static final int STATS_PORT = 15090;
  // JSON is YAML, and a one-line argument reads better in `kubectl get pod -o yaml`
  // keys sorted: Map.of has no stable order, and the same pod must always get the same bytes
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private ProxyBootstrap() {
  }

  static String render(InjectionConfig config, Map<String, String> podLabels) {
    String domain = config.clusterDomain();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("NAMESPACE", "$(POD_NAMESPACE)");
    metadata.put("LABELS", new TreeMap<>(podLabels));
    metadata.put("INSTANCE_IPS", "$(POD_IP)");
    metadata.put("SERVICE_ACCOUNT", "$(SERVICE_ACCOUNT)");
    metadata.put("POD_NAME", "$(POD_NAME)");
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("node", Map.of(
        "id", "sidecar~$(POD_IP)~$(POD_NAME).$(POD_NAMESPACE)~$(POD_NAMESPACE).svc." + domain,
        "cluster", podLabels.getOrDefault("app", "$(POD_NAMESPACE)"),
        "metadata", metadata));
    root.put("dynamic_resources", Map.of(
        "ads_config", Map.of("api_type", "GRPC", "transport_api_version", "V3",
            "set_node_on_first_message_only", true,
            "grpc_services", List.of(Map.of("envoy_grpc", Map.of("cluster_name", "xds-grpc")))),
        "cds_config", Map.of("ads", Map.of(), "resource_api_version", "V3"),
        "lds_config", Map.of("ads", Map.of(), "resource_api_version", "V3")));
    int colon = config.discoveryAddress().lastIndexOf(':');
    String xdsHost = config.discoveryAddress().substring(0, colon);
    int xdsPort = Integer.parseInt(config.discoveryAddress().substring(colon + 1));
    root.put("static_resources", Map.of(
        "clusters", List.of(
            cluster("xds-grpc", xdsHost, xdsPort, "STRICT_DNS", true),
            cluster("bosun-admin", "127.0.0.1", ADMIN_PORT, "STATIC", false)),
        "listeners", List.of(
            adminProxy("bosun-readiness", READY_PORT, "/healthz/ready", "/ready"),
            adminProxy("bosun-prometheus", STATS_PORT, "/stats/prometheus", "/stats/prometheus"))));
    root.put("admin", Map.of("address", address("127.0.0.1", ADMIN_PORT)));
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> cluster(String name, String host, int port, String type, boolean http2) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("type", type);
    c.put("connect_timeout", "1s");
    c.put("load_assignment", Map.of("cluster_name", name, "endpoints", List.of(Map.of("lb_endpoints",
        List.of(Map.of("endpoint", Map.of("address", address(host, port))))))));
    if (http2) {
      c.put("typed_extension_protocol_options", Map.of("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          Map.of("@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
              "explicit_http_config", Map.of("http2_protocol_options", Map.of()))));
    }
    return c;
  }

  /** A listener that answers one path from the admin API, so kubelet and Prometheus need no admin access. */
  private static Map<String, Object> adminProxy(String name, int port, String path, String adminPath) {
    Map<String, Object> route = Map.of("match", Map.of("path", path),
        "route", Map.of("cluster", "bosun-admin", "prefix_rewrite", adminPath));
    Map<String, Object> hcm = new LinkedHashMap<>();
    hcm.put("@type", "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
        + ".HttpConnectionManager");
    hcm.put("stat_prefix", name);
    hcm.put("route_config", Map.of("virtual_hosts", List.of(Map.of("name", name, "domains", List.of("*"),
        "routes", List.of(route)))));
    hcm.put("http_filters", List.of(Map.of("name", "envoy.filters.http.router", "typed_config",
        Map.of("@type", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"))));
    return Map.of("name", name, "address", address("0.0.0.0", port), "filter_chains",
        List.of(Map.of("filters", List.of(Map.of("name", "envoy.filters.network.http_connection_manager",
            "typed_config", hcm)))));
  }

  private static Map<String, Object> address(String host, int port) {
    return Map.of("socket_address", Map.of("address", host, "port_value", port));
  }
}
