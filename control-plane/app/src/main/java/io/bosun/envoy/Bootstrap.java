package io.bosun.envoy;

import io.bosun.bootstrap.EnvoyBootstraps;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Bootstrap config for an Envoy that takes all its listeners and clusters from Bosun over ADS.
 * Immutable; each setting returns a changed copy. {@link #toYaml()} is deterministic:
 * the same inputs always give byte-identical text.
 *
 * <pre>{@code
 * String yaml = Bootstrap.forProxy("sidecar~10.0.0.5~web-1.shop~shop.svc.cluster.local")
 *     .labels(Map.of("app", "web")).xds("127.0.0.1", 15010).adminPort(15000).toYaml();
 * }</pre>
 */
public final class Bootstrap {
  /** Name of the static cluster that reaches the control plane (Istio uses the same name). */
  public static final String XDS_CLUSTER = EnvoyBootstraps.XDS_CLUSTER;

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final String nodeId;
  private String cluster = "bosun-proxy";
  private String namespace = "default";
  private SortedMap<String, String> labels = new TreeMap<>();
  private List<String> instanceIps = List.of();
  private String workloadName;
  private SortedMap<String, String> extraMetadata = new TreeMap<>();
  private String xdsHost = "127.0.0.1";
  private int xdsPort = 15010;
  private int adminPort = 15000;
  private boolean delta;
  private Duration initialFetchTimeout;

  private Bootstrap(String nodeId) {
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  private Bootstrap(Bootstrap other) {
    nodeId = other.nodeId;
    cluster = other.cluster;
    namespace = other.namespace;
    labels = other.labels;
    instanceIps = other.instanceIps;
    workloadName = other.workloadName;
    extraMetadata = other.extraMetadata;
    xdsHost = other.xdsHost;
    xdsPort = other.xdsPort;
    adminPort = other.adminPort;
    delta = other.delta;
    initialFetchTimeout = other.initialFetchTimeout;
  }

  /**
   * Starts from an Istio-style node id ({@code <type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}).
   * When the id has that shape, the namespace and instance IP default to its parts. Defaults:
   * xDS at 127.0.0.1:15010, admin on 127.0.0.1:15000, state-of-the-world ADS.
   */
  public static Bootstrap forProxy(String nodeId) {
    Bootstrap b = new Bootstrap(nodeId);
    String[] parts = nodeId.split("~", -1);
    if (parts.length == 4) {
      b.instanceIps = parts[1].isEmpty() ? List.of() : List.of(parts[1]);
      int dot = parts[2].indexOf('.');
      if (dot >= 0 && dot < parts[2].length() - 1) {
        b.namespace = parts[2].substring(dot + 1);
      }
    }
    return b;
  }

  /** A copy with {@code change} made: this one never changes. */
  private Bootstrap with(Consumer<Bootstrap> change) {
    Bootstrap copy = new Bootstrap(this);
    change.accept(copy);
    return copy;
  }

  public Bootstrap cluster(String value) {
    return with(b -> b.cluster = Objects.requireNonNull(value, "cluster"));
  }

  public Bootstrap namespace(String value) {
    return with(b -> b.namespace = Objects.requireNonNull(value, "namespace"));
  }

  public Bootstrap labels(Map<String, String> value) {
    return with(b -> b.labels = Collections.unmodifiableSortedMap(new TreeMap<>(value)));
  }

  public Bootstrap instanceIps(List<String> value) {
    return with(b -> b.instanceIps = List.copyOf(value));
  }

  public Bootstrap workloadName(String value) {
    return with(b -> b.workloadName = value);
  }

  /** Adds one more string entry to node metadata (e.g. {@code CLUSTER_ID}, {@code SERVICE_ACCOUNT}). */
  public Bootstrap metadata(String key, String value) {
    TreeMap<String, String> extra = new TreeMap<>(extraMetadata);
    extra.put(key, value);
    return with(b -> b.extraMetadata = Collections.unmodifiableSortedMap(extra));
  }

  public Bootstrap xds(String host, int port) {
    checkPort(port, "xdsPort");
    return with(b -> {
      b.xdsHost = Objects.requireNonNull(host, "xdsHost");
      b.xdsPort = port;
    });
  }

  public Bootstrap adminPort(int port) {
    checkPort(port, "adminPort");
    return with(b -> b.adminPort = port);
  }

  public int adminPort() {
    return adminPort;
  }

  /** Incremental (delta) ADS instead of state-of-the-world. */
  public Bootstrap delta(boolean value) {
    return with(b -> b.delta = value);
  }

  /**
   * How long Envoy waits for the first CDS/LDS answer before it reports ready anyway. Envoy's
   * default is 15 s, which makes tests without a control plane slow; null keeps the default.
   * Millisecond precision.
   */
  public Bootstrap initialFetchTimeout(Duration value) {
    if (value != null && value.isNegative()) {
      throw new IllegalArgumentException("initialFetchTimeout must not be negative");
    }
    return with(b -> b.initialFetchTimeout = value);
  }

  /**
   * The bootstrap as Envoy's typed proto, rendered deterministically (JSON, which Envoy reads as
   * YAML).
   */
  public String toYaml() {
    return EnvoyBootstraps.render(toProto());
  }

  public io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap toProto() {
    Map<String, String> metadata = new TreeMap<>(extraMetadata);
    metadata.put("NAMESPACE", namespace);
    if (!instanceIps.isEmpty()) {
      metadata.put("INSTANCE_IPS", String.join(",", instanceIps));
    }
    if (workloadName != null) {
      metadata.put("WORKLOAD_NAME", workloadName);
    }
    // STATIC needs an IP literal; a host name (e.g. a Service DNS name) must be resolved
    Cluster.DiscoveryType type = isIpLiteral(xdsHost) ? Cluster.DiscoveryType.STATIC
        : Cluster.DiscoveryType.STRICT_DNS;
    return io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.newBuilder()
        .setNode(EnvoyBootstraps.node(nodeId, cluster, metadata, labels))
        .setDynamicResources(EnvoyBootstraps.ads(EnvoyBootstraps.envoyGrpc(XDS_CLUSTER), delta, initialFetchTimeout))
        .setStaticResources(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.StaticResources.newBuilder()
            .addClusters(EnvoyBootstraps.cluster(XDS_CLUSTER, xdsHost, xdsPort, type, true)))
        .setAdmin(EnvoyBootstraps.admin(adminPort))
        .build();
  }

  private static boolean isIpLiteral(String host) {
    return IPV4.matcher(host).matches() || host.contains(":");
  }

  private static void checkPort(int port, String what) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " out of range: " + port);
    }
  }
}
