package io.bosun.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Bootstrap config for an Envoy that takes all its listeners and clusters from Bosun over ADS.
 * Immutable; each {@code with}-style method returns a copy. {@link #toYaml()} is deterministic:
 * the same inputs always give byte-identical YAML.
 *
 * <pre>{@code
 * String yaml = Bootstrap.forProxy("sidecar~10.0.0.5~web-1.shop~shop.svc.cluster.local")
 *     .labels(Map.of("app", "web")).xds("127.0.0.1", 15010).adminPort(15000).toYaml();
 * }</pre>
 */
public record Bootstrap(
    String nodeId,
    String cluster,
    String namespace,
    SortedMap<String, String> labels,
    List<String> instanceIps,
    String workloadName,
    SortedMap<String, String> extraMetadata,
    String xdsHost,
    int xdsPort,
    int adminPort,
    boolean delta,
    Duration initialFetchTimeout) {

  /** Name of the static cluster that reaches the control plane (Istio uses the same name). */
  public static final String XDS_CLUSTER = "xds-grpc";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build());

  public Bootstrap {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(xdsHost, "xdsHost");
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    instanceIps = List.copyOf(instanceIps);
    extraMetadata = Collections.unmodifiableSortedMap(new TreeMap<>(extraMetadata));
    checkPort(xdsPort, "xdsPort");
    checkPort(adminPort, "adminPort");
    if (initialFetchTimeout != null && initialFetchTimeout.isNegative()) {
      throw new IllegalArgumentException("initialFetchTimeout must not be negative");
    }
  }

  /**
   * Starts from an Istio-style node id ({@code <type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}).
   * When the id has that shape, the namespace and instance IP default to its parts. Defaults:
   * xDS at 127.0.0.1:15010, admin on 127.0.0.1:15000, state-of-the-world ADS.
   */
  public static Bootstrap forProxy(String nodeId) {
    String[] parts = nodeId.split("~", -1);
    String ns = "default";
    List<String> ips = List.of();
    if (parts.length == 4) {
      ips = parts[1].isEmpty() ? List.of() : List.of(parts[1]);
      int dot = parts[2].indexOf('.');
      if (dot >= 0 && dot < parts[2].length() - 1) {
        ns = parts[2].substring(dot + 1);
      }
    }
    return new Bootstrap(nodeId, "bosun-proxy", ns, new TreeMap<>(), ips, null, new TreeMap<>(),
        "127.0.0.1", 15010, 15000, false, null);
  }

  public Bootstrap cluster(String value) {
    return new Bootstrap(nodeId, value, namespace, labels, instanceIps, workloadName, extraMetadata,
        xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap namespace(String value) {
    return new Bootstrap(nodeId, cluster, value, labels, instanceIps, workloadName, extraMetadata,
        xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap labels(Map<String, String> value) {
    return new Bootstrap(nodeId, cluster, namespace, new TreeMap<>(value), instanceIps, workloadName,
        extraMetadata, xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap instanceIps(List<String> value) {
    return new Bootstrap(nodeId, cluster, namespace, labels, value, workloadName, extraMetadata,
        xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap workloadName(String value) {
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, value, extraMetadata,
        xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  /** Adds one more string entry to node metadata (e.g. {@code CLUSTER_ID}, {@code SERVICE_ACCOUNT}). */
  public Bootstrap metadata(String key, String value) {
    TreeMap<String, String> extra = new TreeMap<>(extraMetadata);
    extra.put(key, value);
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, workloadName, extra,
        xdsHost, xdsPort, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap xds(String host, int port) {
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, workloadName, extraMetadata,
        host, port, adminPort, delta, initialFetchTimeout);
  }

  public Bootstrap adminPort(int port) {
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, workloadName, extraMetadata,
        xdsHost, xdsPort, port, delta, initialFetchTimeout);
  }

  /** Incremental (delta) ADS instead of state-of-the-world. */
  public Bootstrap delta(boolean value) {
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, workloadName, extraMetadata,
        xdsHost, xdsPort, adminPort, value, initialFetchTimeout);
  }

  /**
   * How long Envoy waits for the first CDS/LDS answer before it reports ready anyway. Envoy's
   * default is 15 s, which makes tests without a control plane slow; null keeps the default.
   * Millisecond precision.
   */
  public Bootstrap initialFetchTimeout(Duration value) {
    return new Bootstrap(nodeId, cluster, namespace, labels, instanceIps, workloadName, extraMetadata,
        xdsHost, xdsPort, adminPort, delta, value);
  }

  public String toYaml() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("node", node());
    root.put("dynamic_resources", dynamicResources());
    root.put("static_resources", Map.of("clusters", List.of(xdsCluster())));
    root.put("admin", Map.of("address", socketAddress("127.0.0.1", adminPort)));
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render bootstrap YAML", e);
    }
  }

  private Map<String, Object> node() {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("NAMESPACE", namespace);
    metadata.put("LABELS", labels);
    if (!instanceIps.isEmpty()) {
      metadata.put("INSTANCE_IPS", String.join(",", instanceIps));
    }
    if (workloadName != null) {
      metadata.put("WORKLOAD_NAME", workloadName);
    }
    metadata.putAll(extraMetadata);
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("id", nodeId);
    node.put("cluster", cluster);
    node.put("metadata", metadata);
    return node;
  }

  private Map<String, Object> dynamicResources() {
    Map<String, Object> ads = new LinkedHashMap<>();
    ads.put("api_type", delta ? "DELTA_GRPC" : "GRPC");
    ads.put("transport_api_version", "V3");
    ads.put("set_node_on_first_message_only", true);
    ads.put("grpc_services", List.of(Map.of("envoy_grpc", Map.of("cluster_name", XDS_CLUSTER))));
    Map<String, Object> dynamic = new LinkedHashMap<>();
    dynamic.put("ads_config", ads);
    dynamic.put("cds_config", adsSource());
    dynamic.put("lds_config", adsSource());
    return dynamic;
  }

  private Map<String, Object> adsSource() {
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("ads", Map.of());
    source.put("resource_api_version", "V3");
    if (initialFetchTimeout != null) {
      source.put("initial_fetch_timeout", seconds(initialFetchTimeout));
    }
    return source;
  }

  private Map<String, Object> xdsCluster() {
    Map<String, Object> http2 = new LinkedHashMap<>();
    http2.put("@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    http2.put("explicit_http_config", Map.of("http2_protocol_options", Map.of()));
    Map<String, Object> endpoint = Map.of("endpoint", Map.of("address", socketAddress(xdsHost, xdsPort)));
    Map<String, Object> assignment = new LinkedHashMap<>();
    assignment.put("cluster_name", XDS_CLUSTER);
    assignment.put("endpoints", List.of(Map.of("lb_endpoints", List.of(endpoint))));
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", XDS_CLUSTER);
    // STATIC needs an IP literal; a host name (e.g. a Service DNS name) must be resolved.
    c.put("type", isIpLiteral(xdsHost) ? "STATIC" : "STRICT_DNS");
    c.put("connect_timeout", "1s");
    c.put("typed_extension_protocol_options",
        Map.of("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", http2));
    c.put("load_assignment", assignment);
    return c;
  }

  private static Map<String, Object> socketAddress(String host, int port) {
    Map<String, Object> address = new LinkedHashMap<>();
    address.put("address", host);
    address.put("port_value", port);
    return Map.of("socket_address", address);
  }

  private static boolean isIpLiteral(String host) {
    return IPV4.matcher(host).matches() || host.contains(":");
  }

  private static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
  }

  private static void checkPort(int port, String what) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " out of range: " + port);
    }
  }
}
