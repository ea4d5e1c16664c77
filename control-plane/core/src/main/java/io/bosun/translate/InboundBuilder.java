package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.Endpoint;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.PeerAuthentication.MtlsMode;
import io.bosun.model.Proxy;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.bosun.model.Sidecar;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
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

  /**
   * A port the sidecar serves inbound: whether it speaks HTTP, and where its traffic goes: "" for
   * the original destination (the pod's IP, same port), else a Sidecar ingress listener's
   * {@code defaultEndpoint}.
   */
  record InboundPort(boolean http, String endpoint) {
    static final InboundPort HTTP = new InboundPort(true, "");
    static final InboundPort TCP = new InboundPort(false, "");
  }

  /** The pod's ports that belong to a service; by port. */
  static Map<Integer, InboundPort> ports(MeshSnapshot snapshot, Proxy proxy) {
    return byIp(snapshot).getOrDefault(proxy.ip(), Map.of());
  }

  /** A Sidecar's ingress listeners, which replace the ports the workload's Services imply. */
  static Map<Integer, InboundPort> ports(Sidecar sidecar) {
    Map<Integer, InboundPort> out = new TreeMap<>();
    for (Sidecar.Ingress i : sidecar.ingress()) {
      out.put(i.port(), new InboundPort(i.http(), i.endpoint()));
    }
    return out;
  }

  /**
   * Every endpoint IP's service ports, in one pass over the registry: computed once per snapshot
   * view rather than once per proxy, since every sidecar needs its own entry.
   */
  static Map<String, Map<Integer, InboundPort>> byIp(MeshSnapshot snapshot) {
    Map<String, Map<Integer, InboundPort>> out = new HashMap<>();
    for (Service svc : snapshot.registry().services()) {
      for (Endpoint e : snapshot.registry().endpoints(svc.hostname())) {
        Map<Integer, InboundPort> ports = out.computeIfAbsent(e.address(), ip -> new TreeMap<>());
        for (ServicePort p : svc.ports()) {
          int port = e.portFor(p);
          if (!Names.isCapturePort(port)) {
            ports.putIfAbsent(port, p.isHttp() ? InboundPort.HTTP : InboundPort.TCP);
          }
        }
      }
    }
    return out;
  }

  /**
   * {@code inbound|<port>||}: to the original destination (the pod's own IP and port) from
   * 127.0.0.6, or to an ingress listener's endpoint.
   */
  static List<Cluster> clusters(Map<Integer, InboundPort> ports, MeshConfig mesh) {
    List<Cluster> out = new ArrayList<>();
    ports.forEach((port, p) -> out.add(cluster(Names.inboundCluster(port), port, p.endpoint(), mesh)));
    return out;
  }

  private static Cluster cluster(String name, int port, String endpoint, MeshConfig mesh) {
    if (endpoint.isEmpty()) {
      return originalDst(name, mesh);
    }
    if (endpoint.startsWith("unix://")) {
      return staticCluster(name, Address.newBuilder().setPipe(Pipe.newBuilder()
          .setPath(endpoint.substring("unix://".length()))).build(), mesh);
    }
    int colon = endpoint.lastIndexOf(':');
    String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
    int target = Integer.parseInt(endpoint.substring(colon + 1));
    if (host.equals("0.0.0.0") || host.equals("::")) {
      // the workload's own IP, which only the original destination knows; at another port if asked
      Cluster dst = originalDst(name, mesh);
      return target == port ? dst : dst.toBuilder().setOriginalDstLbConfig(
          Cluster.OriginalDstLbConfig.newBuilder().setUpstreamPortOverride(UInt32Value.of(target))).build();
    }
    Cluster.Builder c = staticCluster(name, Protos.address(host, target), mesh).toBuilder();
    if (host.equals("127.0.0.1")) {
      c.setUpstreamBindConfig(BindConfig.newBuilder().setSourceAddress(Protos.socketAddress(INBOUND_SOURCE, 0)));
    }
    return c.build();
  }

  private static Cluster staticCluster(String name, Address address, MeshConfig mesh) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Protos.duration(mesh.connectTimeout()))
        .setCircuitBreakers(ClusterBuilder.unlimited())
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(address)))))
        .build();
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

  /**
   * {@code virtualInbound}: per port, the chains its mutual TLS mode asks for (PeerAuthentication):
   * STRICT one that requires the mesh's client certificate; PERMISSIVE one for meshed clients' TLS
   * (told by their ALPN) and one for plaintext; DISABLE plaintext only. A proxy without a workload
   * certificate cannot serve mutual TLS: it stays plaintext, and a STRICT port refuses everything.
   * AuthorizationPolicy and RequestAuthentication act in every chain.
   */
  static Listener virtualInbound(MeshSnapshot snapshot, Map<Integer, InboundPort> ports, Proxy proxy) {
    List<HttpFilter> httpFilters = PolicyFilters.http(snapshot, proxy);
    List<AuthorizationPolicy> authz = snapshot.security().authorizationFor(proxy.namespace(), proxy.labels());
    Listener.Builder l = Listener.newBuilder()
        .setName(Names.VIRTUAL_INBOUND)
        .setAddress(Protos.address(Names.WILDCARD_ADDRESS, Names.VIRTUAL_INBOUND_PORT))
        .setTrafficDirection(TrafficDirection.INBOUND)
        // the chains match the port the client dialled, which only the original destination knows
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
            .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())));
    boolean certified = proxy.meshCertificate();
    FilterChain.Builder passthrough = FilterChain.newBuilder().setName(Names.INBOUND_PASSTHROUGH_CLUSTER);
    Authorization.network(authz, snapshot.mesh(), "inbound_passthrough").forEach(passthrough::addFilters);
    // STRICT for the whole workload covers the ports no service names too (refused without a certificate)
    boolean strict = snapshot.security().mtlsMode(proxy.namespace(), proxy.labels(), -1) == MtlsMode.STRICT;
    passthrough.addFilters(ListenerBuilder.tcpProxy(Names.INBOUND_PASSTHROUGH_CLUSTER,
        strict && !certified ? Names.BLACKHOLE_CLUSTER : Names.INBOUND_PASSTHROUGH_CLUSTER, snapshot.mesh()));
    if (strict && certified) {
      passthrough.setTransportSocket(MeshTls.server());
    }
    l.setDefaultFilterChain(passthrough);
    boolean inspect = false;
    for (Map.Entry<Integer, InboundPort> e : ports.entrySet()) {
      int port = e.getKey();
      String cluster = Names.inboundCluster(port);
      MtlsMode mode = snapshot.security().mtlsMode(proxy.namespace(), proxy.labels(), port);
      FilterChainMatch match = FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)).build();
      if (!certified && mode == MtlsMode.STRICT) {
        l.addFilterChains(FilterChain.newBuilder().setName(cluster).setFilterChainMatch(match)
            .addFilters(ListenerBuilder.tcpProxy(cluster, Names.BLACKHOLE_CLUSTER, snapshot.mesh())));
        continue;
      }
      boolean tls = certified && mode != MtlsMode.DISABLE;
      if (tls) {
        FilterChainMatch tlsMatch = mode == MtlsMode.STRICT ? match : match.toBuilder().setTransportProtocol("tls")
            .addAllApplicationProtocols(MeshTls.SERVER_ALPN_MATCH).build();
        l.addFilterChains(chain(snapshot, e.getValue(), port, httpFilters, authz, true)
            .setName(mode == MtlsMode.STRICT ? cluster : cluster + "mtls").setFilterChainMatch(tlsMatch)
            .setTransportSocket(MeshTls.server()));
        inspect |= mode == MtlsMode.PERMISSIVE;
      }
      if (!tls || mode == MtlsMode.PERMISSIVE) {
        l.addFilterChains(chain(snapshot, e.getValue(), port, httpFilters, authz, false).setName(cluster)
            .setFilterChainMatch(match));
      }
    }
    if (inspect) {
      // PERMISSIVE tells meshed clients' TLS from plaintext by the first bytes; a server-first
      // protocol sends none, so it goes on as plaintext after the listener filters' timeout
      l.addListenerFilters(Protos.tlsInspector()).setContinueOnListenerFiltersTimeout(true);
    }
    return l.build();
  }

  private static FilterChain.Builder chain(MeshSnapshot snapshot, InboundPort inbound, int port,
                                           List<HttpFilter> httpFilters, List<AuthorizationPolicy> authz,
                                           boolean mtls) {
    String cluster = Names.inboundCluster(port);
    FilterChain.Builder chain = FilterChain.newBuilder();
    if (inbound.http()) {
      chain.addFilters(inboundHttp(snapshot, port, cluster, httpFilters, mtls));
    } else {
      Authorization.network(authz, snapshot.mesh(), "inbound_0.0.0.0_" + port).forEach(chain::addFilters);
      chain.addFilters(ListenerBuilder.tcpProxy(cluster, cluster, snapshot.mesh()));
    }
    return chain;
  }

  /**
   * HTTP to the app: one catch-all route, no timeout and no retries (the caller's sidecar decides
   * those). Over mutual TLS the app learns its caller's identity from {@code x-forwarded-client-cert}.
   */
  private static Filter inboundHttp(MeshSnapshot snapshot, int port, String cluster, List<HttpFilter> policies,
                                    boolean mtls) {
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
        // Istio's default (BASE): authorization sees the path as the app will (no /./ or ../ bypass)
        .setNormalizePath(BoolValue.of(true))
        .addAllAccessLog(Observability.accessLogs(snapshot.mesh()))
        .addAllHttpFilters(policies)
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    if (mtls) {
      hcm.setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD)
          .setSetCurrentClientCertDetails(HttpConnectionManager.SetCurrentClientCertDetails.newBuilder()
              .setSubject(BoolValue.of(true)).setDns(true).setUri(true));
    }
    Observability.tracing(snapshot.mesh()).ifPresent(hcm::setTracing);
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
        .setTypedConfig(Any.pack(hcm.build())).build();
  }
}
