package io.bosun.inject;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.inject.AppProbes.AppProbe;
import io.bosun.inject.AppProbes.Check;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's status port (Istio's 15020, {@code status.sidecar.istio.io/port}): what pilot-agent
 * serves there, done by Envoy itself. {@code /healthz/ready} and {@code /stats/prometheus} come from
 * the admin API; each rewritten app probe is answered by checking the app at the pod's IP from
 * {@code 127.0.0.6}: an HTTP(S) probe is forwarded to the app's port and path (its status and body come
 * back; a redirect's Location is dropped so the kubelet counts it a success, as pilot-agent does), a TCP
 * or gRPC probe is answered 200 or 503 from Envoy's active health check of the app's port, run as often
 * as the kubelet probes.
 */
final class StatusListener {
  static final String NAME = "bosun-status";
  /** Where the kubelet expands the pod's IP (the container has {@code POD_IP} from the downward API). */
  private static final String POD_IP = "$(POD_IP)";
  private static final String SOURCE = "127.0.0.6";

  private StatusListener() {
  }

  static Listener listener(int port, List<AppProbe> probes, String adminCluster) {
    VirtualHost.Builder vh = VirtualHost.newBuilder().setName(NAME).addDomains("*")
        .addRoutes(admin("/healthz/ready", "/ready", adminCluster))
        .addRoutes(admin("/stats/prometheus", "/stats/prometheus", adminCluster));
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix(NAME);
    for (AppProbe p : probes) {
      if (p.check() == Check.HTTP || p.check() == Check.HTTPS) {
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(cluster(p)).setPrefixRewrite(p.target());
        if (p.host() == null) {
          // the kubelet's Host names the status port; the app sees its own, as pilot-agent sends it
          action.setHostRewriteLiteral(POD_IP + ":" + p.port());
        }
        if (p.timeoutSeconds() > 0) {
          action.setTimeout(Durations.fromSeconds(p.timeoutSeconds()));
        }
        vh.addRoutes(Route.newBuilder().setName(p.path()).setMatch(RouteMatch.newBuilder().setPath(p.path()))
            .setRoute(action).addResponseHeadersToRemove("location"));
      } else {
        hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.health_check")
            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck
                .newBuilder()
                .setPassThroughMode(BoolValue.of(false))
                .addHeaders(HeaderMatcher.newBuilder().setName(":path")
                    .setStringMatch(StringMatcher.newBuilder().setExact(p.path())))
                .putClusterMinHealthyPercentages(cluster(p), Percent.newBuilder().setValue(100).build())
                .build())));
      }
    }
    hcm.setRouteConfig(RouteConfiguration.newBuilder().setName(NAME).addVirtualHosts(vh))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Listener.newBuilder()
        .setName(NAME)
        .setAddress(EnvoyBootstraps.address("0.0.0.0", port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm.build()))))
        .build();
  }

  /** The clusters the probes need: one per HTTP(S) port, one per TCP or gRPC probe (its health is its answer). */
  static List<Cluster> clusters(List<AppProbe> probes) {
    Map<String, Cluster> out = new LinkedHashMap<>();
    for (AppProbe p : probes) {
      String name = cluster(p);
      if (out.containsKey(name)) {
        continue;
      }
      Cluster.Builder c = EnvoyBootstraps.cluster(name, POD_IP, p.port(), Cluster.DiscoveryType.STATIC,
          p.check() == Check.GRPC).toBuilder()
          // 127.0.0.6 is never captured: the check reaches the app's port itself, not the inbound listener
          .setUpstreamBindConfig(BindConfig.newBuilder().setSourceAddress(SocketAddress.newBuilder()
              .setAddress(SOURCE).setPortValue(0)));
      switch (p.check()) {
        case HTTPS -> c.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            // as the kubelet does, the app's certificate is not verified
            .setTypedConfig(Any.pack(UpstreamTlsContext.getDefaultInstance())));
        case TCP -> c.addHealthChecks(healthCheck(p).setTcpHealthCheck(HealthCheck.TcpHealthCheck
            .getDefaultInstance()));
        case GRPC -> c.addHealthChecks(healthCheck(p).setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.newBuilder()
            .setServiceName(p.service())));
        default -> {
          // plain HTTP: nothing more
        }
      }
      out.put(name, c.build());
    }
    return new ArrayList<>(out.values());
  }

  private static HealthCheck.Builder healthCheck(AppProbe p) {
    int period = Math.max(1, p.periodSeconds() == 0 ? 10 : p.periodSeconds());
    int timeout = Math.max(1, p.timeoutSeconds() == 0 ? 1 : p.timeoutSeconds());
    return HealthCheck.newBuilder()
        .setTimeout(Durations.fromSeconds(timeout))
        .setInterval(Durations.fromSeconds(period))
        // the cluster never carries traffic: without this Envoy would check only once a minute
        .setNoTrafficInterval(Durations.fromSeconds(period))
        .setUnhealthyThreshold(UInt32Value.of(1))
        .setHealthyThreshold(UInt32Value.of(1));
  }

  private static String cluster(AppProbe p) {
    return switch (p.check()) {
      case HTTP -> "bosun-app|" + p.port();
      case HTTPS -> "bosun-app-tls|" + p.port();
      default -> "bosun-app-check" + p.path().replace('/', '|');
    };
  }

  private static Route admin(String path, String adminPath, String adminCluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPath(path))
        .setRoute(RouteAction.newBuilder().setCluster(adminCluster).setPrefixRewrite(adminPath))
        .build();
  }
}
