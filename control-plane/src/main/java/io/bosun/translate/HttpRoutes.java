package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bosun.model.Destination;
import io.bosun.model.HttpMatch;
import io.bosun.model.HttpRoute;
import io.bosun.model.RouteDestination;
import io.bosun.model.Service;
import io.bosun.model.ServiceRegistry;
import io.bosun.model.StringMatch;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;

/** VirtualService HTTP routes to Envoy routes: one Envoy route per match, in order, first match wins. */
final class HttpRoutes {
  /** Istio's retry policy when a route sets none. */
  static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  static final int DEFAULT_RETRY_ATTEMPTS = 2;

  private HttpRoutes() {
  }

  /**
   * @param defaultPort the port a destination without one resolves to when its service has
   *                    several ports (the listener's port, as Istio does)
   */
  static List<Route> translate(List<HttpRoute> routes, ServiceRegistry registry, int defaultPort) {
    List<Route> out = new ArrayList<>();
    for (HttpRoute r : routes) {
      if (r.route().isEmpty()) {
        continue; // redirect/directResponse-only routes are not served by this release (reported as warnings)
      }
      RouteAction action = action(r.route(), registry, defaultPort);
      if (r.matches().isEmpty()) {
        out.add(Route.newBuilder().setName(r.name()).setMatch(catchAll()).setRoute(action).build());
        continue;
      }
      for (HttpMatch m : r.matches()) {
        String name = m.name() == null || m.name().isEmpty() ? r.name()
            : r.name().isEmpty() ? m.name() : r.name() + "." + m.name();
        out.add(Route.newBuilder().setName(name).setMatch(match(m)).setRoute(action).build());
      }
    }
    return out;
  }

  /** The route a host gets when no VirtualService claims it. */
  static Route defaultRoute(String cluster) {
    return Route.newBuilder()
        .setName("default")
        .setMatch(catchAll())
        .setRoute(withDefaults(RouteAction.newBuilder().setCluster(cluster)))
        .build();
  }

  static RouteMatch catchAll() {
    return RouteMatch.newBuilder().setPrefix("/").build();
  }

  private static RouteMatch match(HttpMatch m) {
    RouteMatch.Builder b = RouteMatch.newBuilder();
    StringMatch uri = m.uri();
    if (uri == null) {
      b.setPrefix("/");
    } else {
      switch (uri.type()) {
        case EXACT -> b.setPath(uri.value());
        case PREFIX -> b.setPrefix(uri.value());
        case REGEX -> b.setSafeRegex(RegexMatcher.newBuilder().setRegex(uri.value()));
      }
    }
    m.headers().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(h ->
        b.addHeaders(HeaderMatcher.newBuilder().setName(h.getKey()).setStringMatch(stringMatcher(h.getValue()))));
    return b.build();
  }

  private static StringMatcher stringMatcher(StringMatch m) {
    return switch (m.type()) {
      case EXACT -> StringMatcher.newBuilder().setExact(m.value()).build();
      case PREFIX -> StringMatcher.newBuilder().setPrefix(m.value()).build();
      case REGEX -> StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(m.value())).build();
    };
  }

  private static RouteAction action(List<RouteDestination> dests, ServiceRegistry registry, int defaultPort) {
    RouteAction.Builder a = RouteAction.newBuilder();
    List<RouteDestination> weighted = dests.stream().filter(d -> d.weight() > 0).toList();
    if (weighted.size() == 1) {
      a.setCluster(cluster(weighted.get(0).destination(), registry, defaultPort));
    } else {
      WeightedCluster.Builder wc = WeightedCluster.newBuilder();
      for (RouteDestination d : weighted) {
        wc.addClusters(WeightedCluster.ClusterWeight.newBuilder()
            .setName(cluster(d.destination(), registry, defaultPort))
            .setWeight(UInt32Value.of(d.weight())));
      }
      a.setWeightedClusters(wc);
    }
    return withDefaults(a);
  }

  /** Istio disables Envoy's 15 s route timeout and retries twice on connection-level failures. */
  private static RouteAction withDefaults(RouteAction.Builder a) {
    return a.setTimeout(Protos.seconds(0))
        .setRetryPolicy(RetryPolicy.newBuilder()
            .setRetryOn(DEFAULT_RETRY_ON)
            .setNumRetries(UInt32Value.of(DEFAULT_RETRY_ATTEMPTS))
            .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                .setName("envoy.retry_host_predicates.previous_hosts")
                .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
            .setHostSelectionRetryMaxAttempts(5)
            .addRetriableStatusCodes(503))
        .build();
  }

  static String cluster(Destination d, ServiceRegistry registry, int defaultPort) {
    int port = d.port();
    if (port == 0) {
      Service svc = registry.service(d.host());
      port = svc != null && svc.ports().size() == 1 ? svc.ports().get(0).number() : defaultPort;
    }
    return Names.outboundCluster(port, d.subset(), d.host());
  }
}
