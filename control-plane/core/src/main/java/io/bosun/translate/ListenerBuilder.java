package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.bosun.model.Hosts;
import io.bosun.model.L4Route;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.bosun.model.VirtualService;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** LDS: a sidecar's capture listener and per-port outbound listeners; a gateway's server ports. */
public final class ListenerBuilder {
  private static final String HCM = "envoy.filters.network.http_connection_manager";
  private static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

  private ListenerBuilder() {
  }

  /**
   * {@code virtualOutbound} takes every captured connection and hands it to the listener of its
   * original destination; those ({@code 0.0.0.0_<port>} for HTTP, {@code <vip>_<port>} for TCP)
   * do not bind themselves.
   */
  public static List<Listener> sidecar(MeshSnapshot snapshot, Proxy proxy) {
    MeshConfig mesh = snapshot.mesh();
    // unknown destinations: passed through (ALLOW_ANY) or dropped (REGISTRY_ONLY)
    String catchAll = mesh.registryOnly() ? Names.BLACKHOLE_CLUSTER : Names.PASSTHROUGH_CLUSTER;
    List<Listener> out = new ArrayList<>();
    out.add(Listener.newBuilder()
        .setName(Names.VIRTUAL_OUTBOUND)
        .setAddress(Protos.address(Names.WILDCARD_ADDRESS, Names.VIRTUAL_OUTBOUND_PORT))
        .setUseOriginalDst(BoolValue.of(true))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .setDefaultFilterChain(FilterChain.newBuilder()
            .setName("virtualOutbound-catchall-tcp")
            .addFilters(tcpProxy(catchAll, catchAll, mesh)))
        .build());

    TreeSet<Integer> httpPorts = new TreeSet<>();
    Map<String, Listener> tcp = new TreeMap<>();
    for (Service svc : snapshot.registry().services()) {
      for (ServicePort p : svc.ports()) {
        if (Names.isCapturePort(p.number())) {
          continue; // a service on the capture ports cannot get a listener of its own (Istio skips it too)
        }
        if (p.isHttp()) {
          httpPorts.add(p.number());
        } else if (!svc.address().isEmpty()) {
          String name = Names.listener(svc.address(), p.number());
          String statPrefix = "outbound|" + p.number() + "||" + svc.hostname();
          L4Route rule = meshTcpRoute(snapshot, proxy, svc.hostname(), p.number());
          Filter proxyFilter = rule != null
              ? L4Routes.tcpProxy(statPrefix, rule, snapshot.registry(), p.number(), mesh)
              : tcpProxy(statPrefix, Names.outboundCluster(p.number(), "", svc.hostname()), mesh);
          Listener.Builder listener = outboundListener(name, svc.address(), p.number(),
              FilterChain.newBuilder().addFilters(proxyFilter)).toBuilder();
          tlsRouteChains(snapshot, proxy, svc.hostname(), p.number(), listener);
          tcp.putIfAbsent(name, listener.build());
        }
      }
    }
    for (int port : httpPorts) {
      String name = Names.listener(Names.WILDCARD_ADDRESS, port);
      out.add(outboundListener(name, Names.WILDCARD_ADDRESS, port, FilterChain.newBuilder()
          .addFilters(httpConnectionManager("outbound_" + name, Names.sidecarRoute(port), false, mesh))));
    }
    out.addAll(tcp.values());
    return out;
  }

  /** A gateway's server ports; see {@link GatewayListenerBuilder}. */
  public static List<Listener> gateway(MeshSnapshot snapshot, Proxy proxy) {
    return GatewayListenerBuilder.build(snapshot, proxy);
  }

  /**
   * tls rules of the mesh VirtualService for {@code host}: one chain per SNI set ahead of the
   * listener's catch-all chain, so a TLS client is routed by the name it asks for.
   */
  private static void tlsRouteChains(MeshSnapshot snapshot, Proxy proxy, String host, int port, Listener.Builder l) {
    Set<String> claimed = new HashSet<>();
    List<FilterChain> chains = new ArrayList<>();
    for (VirtualService vs : snapshot.virtualServices()) {
      if (!vs.appliesToMesh() || vs.hosts().stream().noneMatch(h -> Hosts.matches(h, host))) {
        continue;
      }
      for (L4Route r : vs.tls()) {
        for (L4Route.Match m : r.matches()) {
          List<String> sni = m.sniHosts().stream().sorted().toList();
          if (L4Routes.applies(m, proxy.labels(), proxy.namespace(), VirtualService.MESH, port)
              && claimed.add(sni.toString())) {
            chains.add(FilterChain.newBuilder().setName("tls:" + String.join(",", sni))
                .setFilterChainMatch(FilterChainMatch.newBuilder()
                    .setTransportProtocol("tls").addAllServerNames(sni))
                .addFilters(L4Routes.tcpProxy("outbound|" + port + "||" + host, r, snapshot.registry(), port,
                    snapshot.mesh()))
                .build());
          }
        }
      }
      break; // the first VirtualService for a host owns it
    }
    if (!chains.isEmpty()) {
      FilterChain catchAll = l.getFilterChains(0);
      l.clearFilterChains().addAllFilterChains(chains).addFilterChains(catchAll)
          .addListenerFilters(Protos.tlsInspector());
    }
  }

  /** The first tcp rule of the mesh VirtualService for {@code host} that applies to this proxy and port. */
  private static L4Route meshTcpRoute(MeshSnapshot snapshot, Proxy proxy, String host, int port) {
    for (VirtualService vs : snapshot.virtualServices()) {
      if (vs.appliesToMesh() && vs.hosts().stream().anyMatch(h -> Hosts.matches(h, host))) {
        for (L4Route r : vs.tcp()) {
          if (L4Routes.applies(r, proxy.labels(), proxy.namespace(), VirtualService.MESH, port)) {
            return r;
          }
        }
        return null; // the first VirtualService for a host owns it, as for HTTP
      }
    }
    return null;
  }

  private static Listener outboundListener(String name, String address, int port, FilterChain.Builder chain) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(Protos.address(address, port))
        .setBindToPort(BoolValue.of(false))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .addFilterChains(chain)
        .build();
  }

  static Filter httpConnectionManager(String statPrefix, String routeName, boolean edge, MeshConfig mesh) {
    return httpConnectionManager(statPrefix, routeName, edge, mesh, List.of());
  }

  /** With {@code policies} (authentication, authorization) acting before anything else. */
  static Filter httpConnectionManager(String statPrefix, String routeName, boolean edge, MeshConfig mesh,
                                      List<HttpFilter> policies) {
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .addAllAccessLog(Observability.accessLogs(mesh))
        .setRds(Rds.newBuilder().setConfigSource(Protos.ads()).setRouteConfigName(routeName))
        .setUseRemoteAddress(BoolValue.of(edge))
        // Istio's default (BASE): routes and authorization see the path as the app will
        .setNormalizePath(BoolValue.of(true))
        .addAllHttpFilters(policies)
        // fault and CORS act only on routes that configure them (per-route config)
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.fault")
            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.cors")
            .setTypedConfig(Any.pack(Cors.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    Observability.tracing(mesh).ifPresent(hcm::setTracing);
    return Filter.newBuilder().setName(HCM).setTypedConfig(Any.pack(hcm.build())).build();
  }

  static Filter tcpProxy(String statPrefix, String cluster, MeshConfig mesh) {
    return Filter.newBuilder()
        .setName(TCP_PROXY)
        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster)
            .addAllAccessLog(Observability.accessLogs(mesh)).build()))
        .build();
  }
}
