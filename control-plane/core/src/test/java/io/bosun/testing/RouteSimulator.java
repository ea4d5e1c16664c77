package io.bosun.testing;

import com.google.re2j.Pattern;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Evaluates a generated RouteConfiguration the way Envoy does for the features Bosun emits, so
 * tests can ask "which route and cluster does this request hit?" without an Envoy.
 */
public final class RouteSimulator {
  private RouteSimulator() {
  }

  public record Hit(String virtualHost, Route route) {
    public String cluster() {
      return route.getRoute().getCluster();
    }

    public Map<String, Integer> weights() {
      Map<String, Integer> m = new TreeMap<>();
      route.getRoute().getWeightedClusters().getClustersList()
          .forEach(c -> m.put(c.getName(), c.getWeight().getValue()));
      return m;
    }
  }

  public static Optional<Hit> route(RouteConfiguration rc, String authority, String path, Map<String, String> headers) {
    VirtualHost vh = virtualHost(rc.getVirtualHostsList(), authority);
    if (vh == null) {
      return Optional.empty();
    }
    for (Route r : vh.getRoutesList()) {
      if (matches(r.getMatch(), path, headers)) {
        return Optional.of(new Hit(vh.getName(), r));
      }
    }
    return Optional.empty();
  }

  /** Exact domains first, then the longest suffix wildcard, then "*" (Envoy's order). */
  private static VirtualHost virtualHost(List<VirtualHost> hosts, String authority) {
    for (VirtualHost vh : hosts) {
      if (vh.getDomainsList().contains(authority)) {
        return vh;
      }
    }
    VirtualHost best = null;
    int bestLen = -1;
    for (VirtualHost vh : hosts) {
      for (String d : vh.getDomainsList()) {
        if (d.startsWith("*") && !d.equals("*") && authority.endsWith(d.substring(1)) && d.length() > bestLen) {
          best = vh;
          bestLen = d.length();
        }
      }
    }
    if (best != null) {
      return best;
    }
    return hosts.stream().filter(vh -> vh.getDomainsList().contains("*")).findFirst().orElse(null);
  }

  private static boolean matches(RouteMatch m, String path, Map<String, String> headers) {
    String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    boolean pathOk = switch (m.getPathSpecifierCase()) {
      case PREFIX -> pathOnly.startsWith(m.getPrefix());
      case PATH -> pathOnly.equals(m.getPath());
      case SAFE_REGEX -> Pattern.matches(m.getSafeRegex().getRegex(), pathOnly);
      default -> throw new IllegalArgumentException("simulator does not know " + m.getPathSpecifierCase());
    };
    if (!pathOk) {
      return false;
    }
    for (HeaderMatcher h : m.getHeadersList()) {
      String v = headers.get(h.getName());
      if (v == null || !string(h.getStringMatch(), v)) {
        return false;
      }
    }
    return true;
  }

  private static boolean string(StringMatcher s, String v) {
    return switch (s.getMatchPatternCase()) {
      case EXACT -> v.equals(s.getExact());
      case PREFIX -> v.startsWith(s.getPrefix());
      case SAFE_REGEX -> Pattern.matches(s.getSafeRegex().getRegex(), v);
      default -> throw new IllegalArgumentException("simulator does not know " + s.getMatchPatternCase());
    };
  }
}
