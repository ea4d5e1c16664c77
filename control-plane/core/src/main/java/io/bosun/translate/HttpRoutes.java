package io.bosun.translate;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bosun.model.Destination;
import io.bosun.model.HttpMatch;
import io.bosun.model.HttpRoute;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.RouteActions;
import io.bosun.model.RouteDestination;
import io.bosun.model.Service;
import io.bosun.model.ServiceRegistry;
import io.bosun.model.StringMatch;
import io.bosun.model.TrafficPolicy;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** VirtualService HTTP routes to Envoy routes: one Envoy route per match, in order, first match wins. */
final class HttpRoutes {
  private HttpRoutes() {
  }

  /**
   * Who the routes are for: match conditions on the source proxy, the gateway and the listener
   * port are decided here, so a proxy never receives a route that cannot apply to it.
   *
   * @param gateway the gateway ({@code ns/name}) the routes are built for, or {@code mesh} for sidecars
   */
  record Context(Map<String, String> labels, String namespace, String gateway, int port) {
  }

  static boolean applies(HttpMatch m, Context ctx) {
    return (m.port() == 0 || m.port() == ctx.port())
        && ctx.labels().entrySet().containsAll(m.sourceLabels().entrySet())
        && (m.sourceNamespace().isEmpty() || m.sourceNamespace().equals(ctx.namespace()))
        && (m.gateways().isEmpty() || m.gateways().contains(ctx.gateway()));
  }

  static List<Route> translate(List<HttpRoute> routes, MeshSnapshot snapshot, Context ctx) {
    ServiceRegistry registry = snapshot.registry();
    int defaultPort = ctx.port();
    List<Route> out = new ArrayList<>();
    for (HttpRoute r : routes) {
      List<HttpMatch> matches = r.matches().stream().filter(m -> applies(m, ctx)).toList();
      if (!r.matches().isEmpty() && matches.isEmpty()) {
        continue; // none of its matches can apply to this proxy/listener
      }
      Route.Builder template = Route.newBuilder();
      if (r.directResponse() != null) {
        template.setDirectResponse(RouteActionBuilder.directResponse(r.directResponse()));
      } else if (r.redirect() != null) {
        template.setRedirect(RouteActionBuilder.redirect(r.redirect()));
      } else if (!r.route().isEmpty()) {
        template.setRoute(action(r, snapshot, defaultPort));
      } else {
        continue; // a delegate-only route: not served by this release (reported as a warning)
      }
      RouteActionBuilder.filterConfigs(template, r.fault(), r.cors());
      List<RouteDestination> weighted = r.route().stream().filter(d -> d.weight() > 0).toList();
      if (weighted.size() == 1) {
        RouteActionBuilder.headers(template, r.headers(), weighted.get(0).headers());
      } else {
        RouteActionBuilder.headers(template, r.headers());
      }
      if (r.matches().isEmpty()) {
        out.add(template.clone().setName(r.name()).setMatch(catchAll()).build());
        continue;
      }
      for (HttpMatch m : matches) {
        String name = m.name() == null || m.name().isEmpty() ? r.name()
            : r.name().isEmpty() ? m.name() : r.name() + "." + m.name();
        out.add(template.clone().setName(name).setMatch(match(m)).build());
      }
    }
    return out;
  }

  /** The route a host gets when no VirtualService claims it. */
  static Route defaultRoute(String cluster, MeshConfig mesh) {
    return Route.newBuilder()
        .setName("default")
        .setMatch(catchAll())
        .setRoute(RouteActionBuilder.withPolicies(RouteAction.newBuilder().setCluster(cluster), null,
            mesh.defaultRetry(), null))
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
        case REGEX -> b.setSafeRegex(RegexMatcher.newBuilder()
            .setRegex(m.ignoreUriCase() ? "(?i)" + uri.value() : uri.value()));
      }
    }
    if (m.ignoreUriCase()) {
      b.setCaseSensitive(BoolValue.of(false));
    }
    m.headers().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(h -> b.addHeaders(header(h.getKey(), h.getValue(), false)));
    pseudo(b, ":method", m.method());
    pseudo(b, ":authority", m.authority());
    pseudo(b, ":scheme", m.scheme());
    m.withoutHeaders().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(h -> b.addHeaders(header(h.getKey(), h.getValue(), true)));
    m.queryParams().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(q -> {
      QueryParameterMatcher.Builder qm = QueryParameterMatcher.newBuilder().setName(q.getKey());
      if (isPresence(q.getValue())) {
        qm.setPresentMatch(true);
      } else {
        qm.setStringMatch(stringMatcher(q.getValue()));
      }
      b.addQueryParameters(qm);
    });
    return b.build();
  }

  private static void pseudo(RouteMatch.Builder b, String name, StringMatch m) {
    if (m != null) {
      b.addHeaders(header(name, m, false));
    }
  }

  /** An empty prefix means "present": Envoy refuses an empty prefix matcher. */
  private static HeaderMatcher header(String name, StringMatch m, boolean invert) {
    // withoutHeaders on a value must also hold when the header is missing altogether; an inverted
    // presence check already does (taking a missing header as "" would make it present)
    HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name).setInvertMatch(invert)
        .setTreatMissingHeaderAsEmpty(invert && !isPresence(m));
    return (isPresence(m) ? h.setPresentMatch(true) : h.setStringMatch(stringMatcher(m))).build();
  }

  private static boolean isPresence(StringMatch m) {
    return m.type() == StringMatch.Type.PREFIX && m.value().isEmpty();
  }

  static StringMatcher stringMatcher(StringMatch m) {
    return switch (m.type()) {
      case EXACT -> StringMatcher.newBuilder().setExact(m.value()).build();
      case PREFIX -> StringMatcher.newBuilder().setPrefix(m.value()).build();
      case REGEX -> StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(m.value())).build();
    };
  }

  /**
   * The route action of one HTTP route.
   *
   * @param defaultPort the port a destination without one resolves to when its service has
   *                    several ports (the listener's port, as Istio does)
   */
  private static RouteAction action(HttpRoute r, MeshSnapshot snapshot, int defaultPort) {
    ServiceRegistry registry = snapshot.registry();
    RouteAction.Builder a = RouteAction.newBuilder();
    List<RouteDestination> weighted = r.route().stream().filter(d -> d.weight() > 0).toList();
    if (weighted.size() == 1) {
      Destination d = weighted.get(0).destination();
      a.setCluster(cluster(d, registry, defaultPort));
      if (!weighted.get(0).authority().isEmpty()) {
        a.setHostRewriteLiteral(weighted.get(0).authority()); // the route's own rewrite, set below, wins
      }
      hashPolicy(a, OutboundCluster.policy(snapshot, d.host(), d.subset(), port(d, registry, defaultPort))
          .consistentHash());
    } else {
      WeightedCluster.Builder wc = WeightedCluster.newBuilder();
      for (RouteDestination d : weighted) {
        WeightedCluster.ClusterWeight.Builder cw = WeightedCluster.ClusterWeight.newBuilder();
        if (!d.authority().isEmpty()) {
          cw.setHostRewriteLiteral(d.authority());
        }
        wc.addClusters(cw
            .setName(cluster(d.destination(), registry, defaultPort))
            .setWeight(UInt32Value.of(d.weight()))
            .addAllRequestHeadersToAdd(RouteActionBuilder.options(d.headers().request()))
            .addAllRequestHeadersToRemove(d.headers().request().remove())
            .addAllResponseHeadersToAdd(RouteActionBuilder.options(d.headers().response()))
            .addAllResponseHeadersToRemove(d.headers().response().remove()));
      }
      a.setWeightedClusters(wc);
    }
    for (var m : r.mirrors()) {
      a.addRequestMirrorPolicies(RouteActionBuilder.mirror(cluster(m.destination(), registry, defaultPort),
          m.percent()));
    }
    // a route without retries gets the mesh's defaultHttpRetryPolicy (Istio's default when that is unset)
    RouteActions.Retry retries = r.retries() != null ? r.retries() : snapshot.mesh().defaultRetry();
    return RouteActionBuilder.withPolicies(a, r.timeout(), retries, r.rewrite()).build();
  }

  static String cluster(Destination d, ServiceRegistry registry, int defaultPort) {
    return Names.outboundCluster(port(d, registry, defaultPort), d.subset(), d.host());
  }

  /** The destination's port: its own, the service's only one, or the listener's. */
  static int port(Destination d, ServiceRegistry registry, int defaultPort) {
    if (d.port() != 0) {
      return d.port();
    }
    Service svc = registry.service(d.host());
    return svc != null && svc.ports().size() == 1 ? svc.ports().get(0).number() : defaultPort;
  }

  /** Consistent hashing needs the route to say what to hash. */
  private static void hashPolicy(RouteAction.Builder a, TrafficPolicy.ConsistentHash hash) {
    if (hash == null) {
      return;
    }
    RouteAction.HashPolicy.Builder h = RouteAction.HashPolicy.newBuilder();
    if (hash.header() != null) {
      h.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(hash.header()));
    } else if (hash.cookie() != null) {
      RouteAction.HashPolicy.Cookie.Builder c = RouteAction.HashPolicy.Cookie.newBuilder().setName(hash.cookie());
      if (hash.cookiePath() != null) {
        c.setPath(hash.cookiePath());
      }
      if (hash.cookieTtl() != null) {
        c.setTtl(Duration.newBuilder().setSeconds(hash.cookieTtl().getSeconds())
            .setNanos(hash.cookieTtl().getNano()));
      }
      h.setCookie(c);
    } else if (hash.sourceIp()) {
      h.setConnectionProperties(RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
    } else if (hash.queryParameter() != null) {
      h.setQueryParameter(RouteAction.HashPolicy.QueryParameter.newBuilder().setName(hash.queryParameter()));
    }
    a.addHashPolicy(h);
  }
}
