package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
          String cluster = Names.outboundCluster(p.number(), "", svc.hostname());
          tcp.putIfAbsent(name, outboundListener(name, svc.address(), p.number(),
              FilterChain.newBuilder().addFilters(tcpProxy("outbound|" + p.number() + "||" + svc.hostname(), cluster, mesh))));
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

  /** One bound listener per port that has plain-HTTP servers, routed by {@code http.<port>}. */
  public static List<Listener> gateway(MeshSnapshot snapshot, Proxy proxy) {
    List<Listener> out = new ArrayList<>();
    Map<Integer, List<Map.Entry<Gateway, GatewayServer>>> byPort = Gateways.httpServersByPort(snapshot, proxy);
    for (int port : byPort.keySet()) {
      String name = Names.listener(Names.WILDCARD_ADDRESS, port);
      out.add(Listener.newBuilder()
          .setName(name)
          .setAddress(Protos.address(Names.WILDCARD_ADDRESS, port))
          .setTrafficDirection(TrafficDirection.OUTBOUND)
          .addFilterChains(FilterChain.newBuilder()
              .addFilters(httpConnectionManager("outbound_" + name, Names.gatewayHttpRoute(port), true, snapshot.mesh())))
          .build());
    }
    return out;
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
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .addAllAccessLog(Observability.accessLogs(mesh))
        .setRds(Rds.newBuilder().setConfigSource(Protos.ads()).setRouteConfigName(routeName))
        .setUseRemoteAddress(BoolValue.of(edge))
        // fault and CORS act only on routes that configure them (per-route config)
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.fault")
            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.cors")
            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDefaultInstance())))
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
