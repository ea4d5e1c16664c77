package io.bosun.inject;

import com.google.protobuf.Any;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.inject.AppProbes.AppProbe;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The injected Envoy's bootstrap, passed inline with {@code --config-yaml}. The kubelet expands
 * the {@code $(POD_NAME)}-style references from the container's downward-API environment, so the
 * node id is Istio's {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local} ({@code router~...} for a
 * gateway). Besides ADS to Bosun it has the static listeners a plain Envoy needs to look like Istio's
 * proxy: readiness {@code /healthz/ready} on 15021 and Prometheus stats on 15090, both answered by the
 * admin API on 127.0.0.1:15000, and the status port (15020) that answers the apps' rewritten probes
 * ({@link StatusListener}).
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
  private static final String ADMIN_CLUSTER = "bosun-admin";

  private ProxyBootstrap() {
  }

  /**
   * What differs between proxies.
   *
   * @param nodeType   {@code sidecar}, or {@code router} for a gateway
   * @param statusPort the status port, 0 for none
   * @param probes     the apps' probes the status port answers
   * @param metadata   node metadata besides Bosun's own (which it never replaces)
   */
  record Shape(String nodeType, int statusPort, List<AppProbe> probes, Map<String, String> metadata) {
    Shape {
      probes = List.copyOf(probes);
      metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    }
  }

  /** The bootstrap on one line (JSON is YAML, and one line reads better in {@code kubectl get pod -o yaml}). */
  static String render(InjectionConfig config, Map<String, String> podLabels, Shape shape) {
    return EnvoyBootstraps.renderCompact(bootstrap(config, podLabels, shape));
  }

  static Bootstrap bootstrap(InjectionConfig config, Map<String, String> podLabels, Shape shape) {
    Map<String, String> metadata = new TreeMap<>(shape.metadata());
    metadata.put("NAMESPACE", "$(POD_NAMESPACE)");
    metadata.put("INSTANCE_IPS", "$(POD_IP)");
    metadata.put("SERVICE_ACCOUNT", "$(SERVICE_ACCOUNT)");
    metadata.put("POD_NAME", "$(POD_NAME)");
    String id = shape.nodeType() + "~$(POD_IP)~$(POD_NAME).$(POD_NAMESPACE)~$(POD_NAMESPACE).svc."
        + config.clusterDomain();
    boolean token = config.xdsAuth().equals("token");
    GrpcService xds = token
        ? EnvoyBootstraps.tokenGrpc(config.discoveryAddress(), TOKEN_FILE, ROOTS_FILE)
        : EnvoyBootstraps.envoyGrpc(EnvoyBootstraps.XDS_CLUSTER);
    Bootstrap.StaticResources.Builder statics = Bootstrap.StaticResources.newBuilder();
    if (!token) {
      int colon = config.discoveryAddress().lastIndexOf(':');
      statics.addClusters(EnvoyBootstraps.cluster(EnvoyBootstraps.XDS_CLUSTER,
          config.discoveryAddress().substring(0, colon),
          Integer.parseInt(config.discoveryAddress().substring(colon + 1)), Cluster.DiscoveryType.STRICT_DNS, true));
    }
    statics.addClusters(EnvoyBootstraps.cluster(ADMIN_CLUSTER, "127.0.0.1", ADMIN_PORT,
            Cluster.DiscoveryType.STATIC, false))
        .addListeners(adminProxy("bosun-readiness", READY_PORT, "/healthz/ready", "/ready"))
        .addListeners(adminProxy("bosun-prometheus", STATS_PORT, "/stats/prometheus", "/stats/prometheus"));
    if (shape.statusPort() != 0) {
      statics.addListeners(StatusListener.listener(shape.statusPort(), shape.probes(), ADMIN_CLUSTER))
          .addAllClusters(StatusListener.clusters(shape.probes()));
    }
    return Bootstrap.newBuilder()
        .setNode(EnvoyBootstraps.node(id, podLabels.getOrDefault("app", "$(POD_NAMESPACE)"), metadata, podLabels))
        .setDynamicResources(EnvoyBootstraps.ads(xds, false, null))
        .setStaticResources(statics)
        .setAdmin(EnvoyBootstraps.admin(ADMIN_PORT))
        .build();
  }

  /** A listener that answers one path from the admin API, so kubelet and Prometheus need no admin access. */
  private static Listener adminProxy(String name, int port, String path, String adminPath) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(name)
        .setRouteConfig(RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder()
            .setName(name)
            .addDomains("*")
            .addRoutes(Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPath(path))
                .setRoute(RouteAction.newBuilder().setCluster(ADMIN_CLUSTER).setPrefixRewrite(adminPath)))))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(name)
        .setAddress(EnvoyBootstraps.address("0.0.0.0", port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm))))
        .build();
  }
}
