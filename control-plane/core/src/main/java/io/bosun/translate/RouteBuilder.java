package io.bosun.translate;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.Hosts;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.bosun.model.VirtualService;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** RDS: a sidecar's per-port route tables and a gateway's per-port tables. */
public final class RouteBuilder {
  private RouteBuilder() {
  }

  /** One table per HTTP service port ({@code "9080"}), one virtual host per service on that port. */
  public static List<RouteConfiguration> sidecar(MeshSnapshot snapshot, Proxy proxy) {
    return sidecar(snapshot, proxy, new MeshRoutes(snapshot));
  }

  /** As {@link #sidecar(MeshSnapshot, Proxy)}, with the snapshot's VirtualServices already indexed. */
  static List<RouteConfiguration> sidecar(MeshSnapshot snapshot, Proxy proxy, MeshRoutes meshRoutes) {
    Map<Integer, List<Service>> byPort = new TreeMap<>();
    for (Service svc : snapshot.registry().services()) {
      for (ServicePort p : svc.ports()) {
        if (p.isHttp() && !Names.isCapturePort(p.number())) {
          byPort.computeIfAbsent(p.number(), k -> new ArrayList<>()).add(svc);
        }
      }
    }
    List<RouteConfiguration> out = new ArrayList<>();
    byPort.forEach((port, services) -> {
      RouteTable table = new RouteTable(Names.sidecarRoute(port));
      for (Service svc : services) {
        VirtualService vs = meshRoutes.forHost(svc.hostname());
        List<Route> routes = vs == null ? List.of() : meshRoutes.routes(vs, port, proxy, () ->
            HttpRoutes.translate(vs.http(), snapshot,
                new HttpRoutes.Context(proxy.labels(), proxy.namespace(), VirtualService.MESH, port)));
        if (routes.isEmpty()) {
          routes = List.of(HttpRoutes.defaultRoute(Names.outboundCluster(port, "", svc.hostname()), snapshot.mesh()));
        }
        table.add(Names.virtualHost(svc.hostname(), port), domains(svc, port, proxy.namespace()), routes);
      }
      table.add(catchAllName(snapshot), List.of("*"), List.of(catchAllRoute(snapshot)));
      out.add(table.build());
    });
    return out;
  }

  private static String catchAllName(MeshSnapshot snapshot) {
    return snapshot.mesh().registryOnly() ? Names.BLOCK_ALL_VHOST : Names.ALLOW_ANY_VHOST;
  }

  /** Hosts the registry does not know: passed through (ALLOW_ANY) or answered 502 (REGISTRY_ONLY), as in Istio. */
  private static Route catchAllRoute(MeshSnapshot snapshot) {
    Route.Builder r = Route.newBuilder().setName(catchAllName(snapshot)).setMatch(HttpRoutes.catchAll());
    if (snapshot.mesh().registryOnly()) {
      return r.setDirectResponse(DirectResponseAction.newBuilder().setStatus(502))
          .build();
    }
    return r.setRoute(RouteAction.newBuilder().setCluster(Names.PASSTHROUGH_CLUSTER).setTimeout(Protos.seconds(0)))
        .build();
  }

  /**
   * {@code http.<port>} for each port with plain-HTTP servers of the Gateways selecting this proxy,
   * and {@code https.<port>.<portName>.<gateway>.<ns>} for each HTTPS server terminated here.
   */
  public static List<RouteConfiguration> gateway(MeshSnapshot snapshot, Proxy proxy) {
    List<RouteConfiguration> out = new ArrayList<>();
    Gateways.serversByPort(snapshot, proxy, GatewayServer::isPlainHttp).forEach((port, servers) ->
        out.add(gatewayTable(snapshot, proxy, Names.gatewayHttpRoute(port), port, servers)));
    Map<String, List<Gateways.Bound>> https = new TreeMap<>();
    Gateways.serversByPort(snapshot, proxy, GatewayServer::isTerminatedHttps).values().forEach(servers ->
        servers.forEach(b -> https.computeIfAbsent(b.httpsRouteName(), k -> new ArrayList<>()).add(b)));
    https.forEach((name, servers) -> out.add(gatewayTable(snapshot, proxy, name, servers.get(0).server().port(),
        servers)));
    return out;
  }

  private static RouteConfiguration gatewayTable(MeshSnapshot snapshot, Proxy proxy, String name, int port,
                                                 List<Gateways.Bound> servers) {
    // host -> routes, merged across VirtualServices in precedence order, as Istio does
    Map<String, List<Route>> vhosts = new LinkedHashMap<>();
    Set<String> redirectToHttps = new HashSet<>();
    for (Gateways.Bound b : servers) {
      Gateway gw = b.gateway();
      for (VirtualService vs : snapshot.virtualServices()) {
        if (!vs.gateways().contains(gw.qualifiedName())) {
          continue;
        }
        for (String host : boundHosts(vs, gw, b.server())) {
          List<Route> routes = HttpRoutes.translate(vs.http(), snapshot,
              new HttpRoutes.Context(proxy.labels(), proxy.namespace(), gw.qualifiedName(), port));
          vhosts.computeIfAbsent(host, h -> new ArrayList<>()).addAll(routes);
          if (b.server().httpsRedirect()) {
            redirectToHttps.add(host);
          }
        }
      }
    }
    RouteTable table = new RouteTable(name);
    new TreeMap<>(vhosts).forEach((host, routes) -> table.add(Names.virtualHost(host, port),
        host.equals("*") ? List.of("*") : List.of(host, host + ":" + port), routes, redirectToHttps.contains(host)));
    if (!vhosts.containsKey("*")) {
      // Istio answers 404 for hosts no VirtualService claims
      table.add("blackhole:" + port, List.of("*"), List.of());
    }
    return table.build();
  }

  /** The hosts of {@code vs} that a server admits, each narrowed to the more specific of the pair. */
  private static Set<String> boundHosts(VirtualService vs, Gateway gw, GatewayServer server) {
    Set<String> out = new TreeSet<>();
    for (String serverHost : server.hosts()) {
      String ns = "*";
      String host = serverHost;
      int slash = serverHost.indexOf('/');
      if (slash >= 0) {
        ns = serverHost.substring(0, slash);
        host = serverHost.substring(slash + 1);
        if (ns.equals(".")) {
          ns = gw.ref().namespace();
        }
      }
      if (!ns.equals("*") && !ns.equals(vs.ref().namespace())) {
        continue;
      }
      for (String vsHost : vs.hosts()) {
        if (Hosts.matches(host, vsHost)) {
          out.add(vsHost);
        } else if (Hosts.matches(vsHost, host)) {
          out.add(host);
        }
      }
    }
    return out;
  }

  /** Istio's domains for a service: the FQDN, the short forms the proxy's namespace can use,
      the VIP; each with and without the port. */
  static List<String> domains(Service svc, int port, String proxyNamespace) {
    List<String> names = new ArrayList<>();
    names.add(svc.hostname());
    if (svc.kubernetes()) {
      String shortName = svc.hostname().substring(0, svc.hostname().indexOf('.'));
      if (svc.namespace().equals(proxyNamespace)) {
        names.add(shortName);
      }
      names.add(shortName + "." + svc.namespace());
      names.add(shortName + "." + svc.namespace() + ".svc");
    }
    if (!svc.address().isEmpty()) {
      names.add(svc.address());
    }
    List<String> out = new ArrayList<>();
    for (String n : names) {
      out.add(n);
      out.add(n + ":" + port);
    }
    return out;
  }

  /** Builds one RouteConfiguration; a domain claimed twice stays with its first vhost,
      since Envoy rejects duplicates. */
  private static final class RouteTable {
    private final RouteConfiguration.Builder config;
    private final Set<String> claimed = new HashSet<>();

    RouteTable(String name) {
      config = RouteConfiguration.newBuilder().setName(name).setValidateClusters(BoolValue.of(false));
    }

    void add(String name, List<String> domains, List<Route> routes) {
      add(name, domains, routes, false);
    }

    /** {@code requireTls}: plain-HTTP requests are redirected to HTTPS (a server's {@code httpsRedirect}). */
    void add(String name, List<String> domains, List<Route> routes, boolean requireTls) {
      List<String> free = domains.stream().filter(claimed::add).toList();
      if (free.isEmpty()) {
        return;
      }
      VirtualHost.Builder vh = VirtualHost.newBuilder().setName(name).addAllDomains(free).addAllRoutes(routes);
      if (requireTls) {
        vh.setRequireTls(VirtualHost.TlsRequirementType.ALL);
      }
      config.addVirtualHosts(vh);
    }

    RouteConfiguration build() {
      // Envoy refuses a direct-response body over 4 KiB unless the table allows more
      int largest = config.getVirtualHostsList().stream().flatMap(v -> v.getRoutesList().stream())
          .filter(Route::hasDirectResponse)
          .mapToInt(r -> r.getDirectResponse().getBody().getInlineString().getBytes(StandardCharsets.UTF_8).length
              + r.getDirectResponse().getBody().getInlineBytes().size())
          .max().orElse(0);
      if (largest > 4096) {
        config.setMaxDirectResponseBodySizeBytes(UInt32Value.of(largest));
      }
      return config.build();
    }
  }
}
