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
 *
 * <p>With {@code xdsAuth: token} Envoy's own gRPC client (no agent in the pod) reaches Bosun over
 * TLS, verifying it with the mesh roots from the {@code istio-ca-root-cert} ConfigMap, and sends
 * the pod's projected service-account token as {@code authorization: Bearer}; Envoy reads the
 * token file again for every new stream, so the kubelet's rotation of it is picked up.
 */
final class ProxyBootstrap {
  static final int ADMIN_PORT = 15000;
  static final int READY_PORT = 15021;
  static final int STATS_PORT = 15090;
  /** Where the projected token and the mesh roots are mounted: Istio's paths. */
  static final String TOKEN_DIR = "/var/run/secrets/tokens";
  static final String TOKEN_FILE = TOKEN_DIR + "/istio-token";
  static final String ROOTS_DIR = "/var/run/secrets/istio";
  static final String ROOTS_FILE = ROOTS_DIR + "/root-cert.pem";
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
    boolean token = config.xdsAuth().equals("token");
    Map<String, Object> grpcService = token ? Map.of("google_grpc", googleGrpc(config.discoveryAddress()))
        : Map.of("envoy_grpc", Map.of("cluster_name", "xds-grpc"));
    root.put("dynamic_resources", Map.of(
        "ads_config", Map.of("api_type", "GRPC", "transport_api_version", "V3",
            "set_node_on_first_message_only", true,
            "grpc_services", List.of(grpcService)),
        "cds_config", Map.of("ads", Map.of(), "resource_api_version", "V3"),
        "lds_config", Map.of("ads", Map.of(), "resource_api_version", "V3")));
    int colon = config.discoveryAddress().lastIndexOf(':');
    String xdsHost = config.discoveryAddress().substring(0, colon);
    int xdsPort = Integer.parseInt(config.discoveryAddress().substring(colon + 1));
    List<Object> clusters = token ? List.of(cluster("bosun-admin", "127.0.0.1", ADMIN_PORT, "STATIC", false))
        : List.of(cluster("xds-grpc", xdsHost, xdsPort, "STRICT_DNS", true),
            cluster("bosun-admin", "127.0.0.1", ADMIN_PORT, "STATIC", false));
    root.put("static_resources", Map.of(
        "clusters", clusters,
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

  /** Envoy's Google gRPC client: TLS with the mesh roots, the projected token as call credentials. */
  private static Map<String, Object> googleGrpc(String target) {
    Map<String, Object> tokenFile = Map.of("name", "envoy.grpc_credentials.file_based_metadata",
        "typed_config", Map.of(
            "@type", "type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig",
            "secret_data", Map.of("filename", TOKEN_FILE),
            "header_prefix", "Bearer "));
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("target_uri", target);
    g.put("stat_prefix", "xds_grpc");
    // the plugin in call_credentials only runs under its own credentials factory
    g.put("credentials_factory_name", "envoy.grpc_credentials.file_based_metadata");
    g.put("channel_credentials", Map.of("ssl_credentials", Map.of("root_certs", Map.of("filename", ROOTS_FILE))));
    g.put("call_credentials", List.of(Map.of("from_plugin", tokenFile)));
    // Envoy's default keepalive is off; find a dead control plane (and fail over) within a minute
    g.put("channel_args", Map.of("args", Map.of(
        "grpc.keepalive_time_ms", Map.of("int_value", 30000),
        "grpc.keepalive_timeout_ms", Map.of("int_value", 10000))));
    return g;
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
