package io.bosun.translate;

import io.bosun.model.Hosts;
import io.bosun.model.HttpMatch;
import io.bosun.model.HttpRoute;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ResourceRef;
import io.bosun.model.VirtualService;
import io.envoyproxy.envoy.config.route.v3.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which mesh VirtualService routes each host: the first in the snapshot's (precedence) order
 * that names it, exactly or by wildcard. Indexed once per snapshot, so a route table of a
 * thousand services costs a thousand lookups, not a thousand scans of every VirtualService.
 * Also remembers each VirtualService's translated routes per port, for every sidecar whose
 * matches see the same (most do: only sourceLabels and sourceNamespace tell sidecars apart).
 */
final class MeshRoutes {
  private record Pattern(String host, int order) {
  }

  /** What a VirtualService's routes for sidecars depend on besides the snapshot. */
  private record RoutesKey(ResourceRef vs, int port, Map<String, String> labels, String namespace) {
  }

  /** Which proxy properties a VirtualService's matches read (sourceLabels, sourceNamespace). */
  private record Reads(boolean labels, boolean namespace) {
  }

  private final Map<RoutesKey, List<Route>> routes = new ConcurrentHashMap<>();
  private final Map<ResourceRef, Reads> reads = new HashMap<>();

  private final List<VirtualService> ordered;
  private final Map<String, Integer> exact = new HashMap<>();
  private final List<Pattern> wildcards = new ArrayList<>();

  MeshRoutes(MeshSnapshot snapshot) {
    ordered = snapshot.virtualServices();
    for (int i = 0; i < ordered.size(); i++) {
      VirtualService vs = ordered.get(i);
      if (!vs.appliesToMesh()) {
        continue;
      }
      boolean labels = false;
      boolean namespace = false;
      for (HttpRoute r : vs.http()) {
        for (HttpMatch m : r.matches()) {
          labels |= !m.sourceLabels().isEmpty();
          namespace |= !m.sourceNamespace().isEmpty();
        }
      }
      reads.put(vs.ref(), new Reads(labels, namespace));
      for (String h : vs.hosts()) {
        if (h.contains("*")) {
          wildcards.add(new Pattern(h, i));
        } else {
          exact.putIfAbsent(h, i);
        }
      }
    }
  }

  /** {@code vs}'s routes on {@code port} for {@code proxy}, translated once for all proxies that see the same. */
  List<Route> routes(VirtualService vs, int port, Proxy proxy, Supplier<List<Route>> translate) {
    Reads r = reads.getOrDefault(vs.ref(), new Reads(true, true));
    RoutesKey key = new RoutesKey(vs.ref(), port, r.labels() ? proxy.labels() : Map.of(),
        r.namespace() ? proxy.namespace() : "");
    return routes.computeIfAbsent(key, k -> translate.get());
  }

  /** The VirtualService routing {@code hostname} for sidecars, or null. */
  VirtualService forHost(String hostname) {
    int best = Integer.MAX_VALUE;
    if (hostname.startsWith("*.")) {
      // a wildcard ServiceEntry host: concrete VirtualService hosts can match it too
      for (int i = 0; i < ordered.size() && best == Integer.MAX_VALUE; i++) {
        VirtualService vs = ordered.get(i);
        if (vs.appliesToMesh() && vs.hosts().stream().anyMatch(h -> Hosts.matches(h, hostname))) {
          best = i;
        }
      }
    } else {
      best = exact.getOrDefault(hostname, Integer.MAX_VALUE);
      for (Pattern p : wildcards) {
        if (p.order() < best && Hosts.matches(p.host(), hostname)) {
          best = p.order();
        }
      }
    }
    return best == Integer.MAX_VALUE ? null : ordered.get(best);
  }
}
