package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.bosun.model.Endpoint;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sidecar's inbound side: {@code virtualInbound} on 15006 takes the connections the
 * interception rules redirect to the pod, with one filter chain per port the pod serves for a
 * service, each to {@code inbound|<port>||}; other ports pass through unchanged.
 */
final class InboundBuilder {
  /** Source address of Envoy's connections to the app, which the interception rules let through. */
  static final String INBOUND_SOURCE = "127.0.0.6";

  private InboundBuilder() {
  }

  /** The pod's ports that belong to a service, with whether each speaks HTTP; by port. */
  static Map<Integer, Boolean> ports(MeshSnapshot snapshot, Proxy proxy) {
    return byIp(snapshot).getOrDefault(proxy.ip(), Map.of());
  }

  /**
   * Every endpoint IP's service ports, in one pass over the registry: computed once per snapshot
   * view rather than once per proxy, since every sidecar needs its own entry.
   */
  static Map<String, Map<Integer, Boolean>> byIp(MeshSnapshot snapshot) {
    Map<String, Map<Integer, Boolean>> out = new HashMap<>();
    for (Service svc : snapshot.registry().services()) {
      for (Endpoint e : snapshot.registry().endpoints(svc.hostname())) {
        Map<Integer, Boolean> ports = out.computeIfAbsent(e.address(), ip -> new TreeMap<>());
        for (ServicePort p : svc.ports()) {
          int port = e.portFor(p);
          if (!Names.isCapturePort(port)) {
            ports.putIfAbsent(port, p.isHttp());
          }
        }
      }
    }
    return out;
  }

  /** {@code inbound|<port>||}: to the original destination (the pod's own IP and port), from 127.0.0.6. */
  static List<Cluster> clusters(Map<Integer, Boolean> ports, MeshConfig mesh) {
    List<Cluster> out = new ArrayList<>();
    for (int port : ports.keySet()) {
      out.add(originalDst(Names.inboundCluster(port), mesh));
    }
    return out;
  }

  static Cluster originalDst(String name, MeshConfig mesh) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
        .setConnectTimeout(Protos.duration(mesh.connectTimeout()))
        .setUpstreamBindConfig(BindConfig.newBuilder().setSourceAddress(Protos.socketAddress(INBOUND_SOURCE, 0)))
        .setCircuitBreakers(ClusterBuilder.unlimited())
        .build();
  }

  static Listener virtualInbound(MeshSnapshot snapshot, Map<Integer, Boolean> ports) {
    Listener.Builder l = Listener.newBuilder()
        .setName(Names.VIRTUAL_INBOUND)
        .setAddress(Protos.address(Names.WILDCARD_ADDRESS, Names.VIRTUAL_INBOUND_PORT))
        .setTrafficDirection(TrafficDirection.INBOUND)
        // the chains match the port the client dialled, which only the original destination knows
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
            .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())))
        .setDefaultFilterChain(FilterChain.newBuilder().setName(Names.INBOUND_PASSTHROUGH_CLUSTER)
            .addFilters(ListenerBuilder.tcpProxy(Names.INBOUND_PASSTHROUGH_CLUSTER, Names.INBOUND_PASSTHROUGH_CLUSTER,
                snapshot.mesh())));
    ports.forEach((port, http) -> {
      String cluster = Names.inboundCluster(port);
      FilterChain.Builder chain = FilterChain.newBuilder()
          .setName(cluster)
          .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)));
      chain.addFilters(http ? inboundHttp(snapshot, port, cluster)
          : ListenerBuilder.tcpProxy(cluster, cluster, snapshot.mesh()));
      l.addFilterChains(chain);
    });
    return l.build();
  }

  /** HTTP to the app: one catch-all route, no timeout and no retries (the caller's sidecar decides those). */
  private static Filter inboundHttp(MeshSnapshot snapshot, int port, String cluster) {
    RouteConfiguration routes = RouteConfiguration.newBuilder()
        .setName(cluster)
        .setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(VirtualHost.newBuilder()
            .setName("inbound|http|" + port)
            .addDomains("*")
            .addRoutes(Route.newBuilder()
                .setName("default")
                .setMatch(HttpRoutes.catchAll())
                .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(Protos.seconds(0)))))
        .build();
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix("inbound_0.0.0.0_" + port)
        .setRouteConfig(routes)
        .addAllAccessLog(Observability.accessLogs(snapshot.mesh()))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    Observability.tracing(snapshot.mesh()).ifPresent(hcm::setTracing);
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
        .setTypedConfig(Any.pack(hcm.build())).build();
  }
}
