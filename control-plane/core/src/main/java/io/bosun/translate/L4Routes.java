package io.bosun.translate;

import com.google.protobuf.Any;
import io.bosun.model.L4Route;
import io.bosun.model.MeshConfig;
import io.bosun.model.RouteDestination;
import io.bosun.model.ServiceRegistry;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;

/** VirtualService tcp and tls rules as Envoy TCP proxies. */
final class L4Routes {
  private L4Routes() {
  }

  /** Who the rule is for; the same per-proxy decisions as for HTTP matches. */
  static boolean applies(L4Route.Match m, Map<String, String> labels, String namespace, String gateway, int port) {
    return (m.port() == 0 || m.port() == port)
        && labels.entrySet().containsAll(m.sourceLabels().entrySet())
        && (m.sourceNamespace().isEmpty() || m.sourceNamespace().equals(namespace))
        && (m.gateways().isEmpty() || m.gateways().contains(gateway));
  }

  /** True when the rule has no matches (it applies to everything) or one of them applies. */
  static boolean applies(L4Route r, Map<String, String> labels, String namespace, String gateway, int port) {
    return r.matches().isEmpty() || r.matches().stream().anyMatch(m -> applies(m, labels, namespace, gateway, port));
  }

  /** A tcp_proxy to the rule's destination, or to its weighted destinations. */
  static Filter tcpProxy(String statPrefix, L4Route r, ServiceRegistry registry, int port, MeshConfig mesh) {
    List<RouteDestination> weighted = r.route().stream().filter(d -> d.weight() > 0).toList();
    if (weighted.size() == 1) {
      return ListenerBuilder.tcpProxy(statPrefix, HttpRoutes.cluster(weighted.get(0).destination(), registry, port),
          mesh);
    }
    TcpProxy.WeightedCluster.Builder wc = TcpProxy.WeightedCluster.newBuilder();
    for (RouteDestination d : weighted) {
      wc.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
          .setName(HttpRoutes.cluster(d.destination(), registry, port))
          .setWeight(d.weight()));
    }
    TcpProxy proxy = TcpProxy.newBuilder().setStatPrefix(statPrefix).setWeightedClusters(wc)
        .addAllAccessLog(Observability.accessLogs(mesh)).build();
    return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(proxy)).build();
  }

}
