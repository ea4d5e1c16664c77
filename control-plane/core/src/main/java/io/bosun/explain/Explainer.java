package io.bosun.explain;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code bosunctl explain}: follows one request through the config a proxy is served, the way
 * Envoy would: listener, filter chain, route configuration, virtual host, routes in order, route
 * action, clusters and endpoints. Pure: the config in, the explanation out.
 */
public final class Explainer {
  private static final Set<String> POLICY_FILTERS = Set.of("envoy.filters.http.rbac", "envoy.filters.http.jwt_authn",
      "envoy.filters.http.ext_authz");

  private Explainer() {
  }

  /**
   * Explains {@code r} sent by (sidecar) or to (gateway) proxy {@code proxyId} with {@code config}.
   *
   * @throws IllegalArgumentException when the config holds something explain cannot evaluate
   */
  public static Explanation explain(String proxyId, XdsResources config, ExplainRequest r) {
    boolean sidecar = !proxyId.startsWith("router~");
    List<String> notes = new ArrayList<>();
    String address = r.address() != null ? r.address()
        : sidecar ? inferAddress(config.listeners(), r, namespace(proxyId)).orElse(null) : null;
    String request = r.method() + " " + r.scheme() + "://" + r.authority() + r.path()
        + (address != null && r.address() == null ? " (to " + address + ")" : "");
    Trace t = new Trace(proxyId, request, notes);
    List<String> missing = new ArrayList<>();
    Optional<ListenerSelector.Choice> listener = ListenerSelector.listener(config.listeners(), sidecar, r, address,
        missing);
    if (listener.isEmpty()) {
      return t.action(new Explanation.Action("none", 0, "the connection is refused: " + missing.get(0), List.of()));
    }
    Listener l = listener.get().listener();
    t.listener = new Explanation.Step(l.getName(), listener.get().why());
    ListenerSelector.ChainChoice chain = ListenerSelector.chain(l, r, address, notes);
    if (chain.chain() == null) {
      return t.action(new Explanation.Action("none", 0, chain.why(), List.of()));
    }
    t.chain = new Explanation.Step(chain.name(), chain.why());
    return network(t, chain.chain(), config, r);
  }

  private static Explanation network(Trace t, FilterChain chain, XdsResources config, ExplainRequest r) {
    for (Filter f : chain.getFiltersList()) {
      if (f.getTypedConfig().is(HttpConnectionManager.class)) {
        return http(t, unpack(f.getTypedConfig(), HttpConnectionManager.class), config, r);
      }
      if (f.getTypedConfig().is(TcpProxy.class)) {
        TcpProxy tcp = unpack(f.getTypedConfig(), TcpProxy.class);
        List<ClusterWeight> targets = tcp.hasWeightedClusters()
            ? tcp.getWeightedClusters().getClustersList().stream()
                .map(c -> new ClusterWeight(c.getName(), c.getWeight())).toList()
            : List.of(new ClusterWeight(tcp.getCluster(), 1));
        Explanation.Action action = new Explanation.Action("tcp_proxy", 0, "TCP proxy to "
            + String.join(", ", targets.stream().map(ClusterWeight::name).toList()), List.of());
        return t.clusters(Clusters.describe(targets, config, t.notes)).action(action);
      }
      if (!f.getName().isEmpty()) {
        t.notes.add("network filter " + f.getName() + " acts on the connection first");
      }
    }
    return t.action(new Explanation.Action("none", 0, "the filter chain has neither an HTTP connection manager"
        + " nor a TCP proxy", List.of()));
  }

  private static Explanation http(Trace t, HttpConnectionManager hcm, XdsResources config, ExplainRequest r) {
    RouteConfiguration rc;
    if (hcm.hasRds()) {
      String name = hcm.getRds().getRouteConfigName();
      t.routeConfig = name;
      Optional<RouteConfiguration> served = config.routes().stream().filter(x -> x.getName().equals(name))
          .findFirst();
      if (served.isEmpty()) {
        return t.action(new Explanation.Action("none", 0, "route configuration " + name
            + " is not served to this proxy: Envoy waits for it and the request stalls", List.of()));
      }
      rc = served.get();
    } else {
      rc = hcm.getRouteConfig();
      t.routeConfig = rc.getName().isEmpty() ? "(inline)" : rc.getName() + " (inline)";
    }
    for (HttpFilter f : hcm.getHttpFiltersList()) {
      if (POLICY_FILTERS.contains(f.getName())) {
        t.notes.add("HTTP filter " + f.getName() + " may refuse the request before it is routed");
      }
    }
    boolean normalize = hcm.hasNormalizePath() && hcm.getNormalizePath().getValue();
    ExplainRequest routed = r.withPath(HttpPaths.normalize(r.path(), normalize, hcm.getMergeSlashes()));
    if (!routed.path().equals(r.path())) {
      t.notes.add("the path is routed as " + routed.path() + " after normalization");
    }
    boolean stripPort = hcm.getStripAnyHostPort() || rc.getIgnorePortInHostMatching()
        || hcm.getStripMatchingHostPort() && r.authority().endsWith(":" + r.port());
    Optional<VirtualHosts.Choice> vh = VirtualHosts.select(rc, r.authority(), stripPort);
    if (vh.isEmpty()) {
      return t.action(new Explanation.Action("none", 404, "no virtual host of " + rc.getName() + " serves Host "
          + r.authority() + ": Envoy answers 404 (route not found, NR)", List.of()));
    }
    VirtualHost v = vh.get().host();
    t.virtualHost = new Explanation.Step(v.getName(), vh.get().why());
    Route matched = null;
    for (int i = 0; i < v.getRoutesCount() && matched == null; i++) {
      Route route = v.getRoutes(i);
      List<String> why = RouteMatcher.mismatches(route.getMatch(), routed, t.notes);
      t.routes.add(new Explanation.RouteCheck(i, route.getName(), RouteMatcher.summary(route.getMatch()),
          why.isEmpty(), why));
      if (why.isEmpty()) {
        matched = route;
      }
    }
    if (matched == null) {
      return t.action(new Explanation.Action("none", 404, "no route of virtual host " + v.getName()
          + " matches: Envoy answers 404 (route not found, NR)", List.of()));
    }
    RouteActions.Result result = RouteActions.of(matched, v, routed);
    return t.clusters(Clusters.describe(result.clusters(), config, t.notes)).action(result.action());
  }

  /**
   * The VIP of a TCP service {@code r.host()} names, from the listener Bosun serves for it (its
   * stat prefix is Istio's {@code outbound|port||fqdn}); HTTP services share {@code 0.0.0.0_port}.
   */
  private static Optional<String> inferAddress(List<Listener> listeners, ExplainRequest r, String namespace) {
    List<String> names = new ArrayList<>(List.of(r.host()));
    long dots = r.host().chars().filter(c -> c == '.').count();
    if (dots == 0) {
      names.add(r.host() + "." + namespace + ".svc.cluster.local");
    } else if (dots == 1) {
      names.add(r.host() + ".svc.cluster.local");
    }
    for (Listener l : listeners) {
      if (ListenerSelector.port(l) != r.port() || ListenerSelector.isWildcard(ListenerSelector.ip(l))) {
        continue;
      }
      for (FilterChain c : l.getFilterChainsList()) {
        for (Filter f : c.getFiltersList()) {
          if (f.getTypedConfig().is(TcpProxy.class)) {
            String prefix = unpack(f.getTypedConfig(), TcpProxy.class).getStatPrefix();
            if (names.stream().anyMatch(n -> prefix.equals("outbound|" + r.port() + "||" + n))) {
              return Optional.of(ListenerSelector.ip(l));
            }
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The namespace of an Istio node id {@code type~ip~pod.namespace~domain}, or {@code default}. */
  static String namespace(String proxyId) {
    String[] parts = proxyId.split("~");
    if (parts.length >= 3) {
      int dot = parts[2].indexOf('.');
      if (dot > 0) {
        return parts[2].substring(dot + 1);
      }
    }
    return "default";
  }

  static <T extends Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("cannot read " + any.getTypeUrl() + ": " + e.getMessage(), e);
    }
  }

  /** A cluster a route or TCP proxy sends to, with its weight. */
  record ClusterWeight(String name, int weight) {
  }

  /** The explanation being built. */
  private static final class Trace {
    final String proxy;
    final String request;
    final List<String> notes;
    final List<Explanation.RouteCheck> routes = new ArrayList<>();
    Explanation.Step listener;
    Explanation.Step chain;
    String routeConfig;
    Explanation.Step virtualHost;
    List<Explanation.ClusterInfo> clusters = List.of();

    Trace(String proxy, String request, List<String> notes) {
      this.proxy = proxy;
      this.request = request;
      this.notes = notes;
    }

    Trace clusters(List<Explanation.ClusterInfo> c) {
      this.clusters = c;
      return this;
    }

    Explanation action(Explanation.Action action) {
      return new Explanation(proxy, request, listener, chain, routeConfig, virtualHost, List.copyOf(routes), action,
          clusters, List.copyOf(notes));
    }
  }
}
