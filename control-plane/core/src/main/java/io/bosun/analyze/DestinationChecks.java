package io.bosun.analyze;

import io.bosun.model.Destination;
import io.bosun.model.DestinationRule;
import io.bosun.model.Hosts;
import io.bosun.model.HttpRoute;
import io.bosun.model.Kind;
import io.bosun.model.L4Route;
import io.bosun.model.RouteDestination;
import io.bosun.model.ServiceRegistry;
import io.bosun.model.Subset;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.List;

/**
 * BSN0101 and BSN0102: every destination of a VirtualService names a service of the registry (a
 * Kubernetes Service or a ServiceEntry host), and a subset some DestinationRule for that host defines.
 */
final class DestinationChecks implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    for (VirtualService vs : in.virtualServices()) {
      for (int i = 0; i < vs.http().size(); i++) {
        HttpRoute r = vs.http().get(i);
        destinations(in, vs, r.route(), "spec.http[" + i + "].route", out);
        for (var mirror : r.mirrors()) {
          host(in, vs, mirror.destination(), "spec.http[" + i + "]", "mirror ", out);
        }
      }
      l4(in, vs, vs.tcp(), "spec.tcp", out);
      l4(in, vs, vs.tls(), "spec.tls", out);
    }
    return out;
  }

  private static void l4(AnalysisInput in, VirtualService vs, List<L4Route> routes, String field, List<Message> out) {
    for (int i = 0; i < routes.size(); i++) {
      destinations(in, vs, routes.get(i).route(), field + "[" + i + "].route", out);
    }
  }

  private static void destinations(AnalysisInput in, VirtualService vs, List<RouteDestination> route, String field,
                                   List<Message> out) {
    for (int j = 0; j < route.size(); j++) {
      String at = field + "[" + j + "].destination";
      Destination d = route.get(j).destination();
      if (host(in, vs, d, at + ".host", "", out) && !d.subset().isEmpty()) {
        subset(in, vs, d, at + ".subset", out);
      }
    }
  }

  /** Reports a missing host; true when the host exists (or its absence cannot be proven). */
  private static boolean host(AnalysisInput in, VirtualService vs, Destination d, String field, String what,
                              List<Message> out) {
    if (exists(in.registry(), d.host()) || !provable(in.coverage(), d.host())) {
      return true;
    }
    out.add(new Message(Code.REFERENCED_HOST_NOT_FOUND, vs.ref(), field,
        "Referenced " + what + "host not found: \"" + d.host() + "\""));
    return false;
  }

  /** A service of that exact name, or a wildcard ServiceEntry host covering it. */
  static boolean exists(ServiceRegistry registry, String host) {
    return registry.service(host) != null || registry.services().stream()
        .anyMatch(s -> s.hostname().startsWith("*") && Hosts.matches(s.hostname(), host));
  }

  /**
   * A Kubernetes service host is provably absent when the input holds the Services of its
   * namespace; any other host when it holds ServiceEntries (which may live in any namespace).
   */
  static boolean provable(Coverage coverage, String host) {
    return Workloads.kubeNamespace(host).map(ns -> coverage.covers(Kind.SERVICE, ns)
            || coverage.covers(Kind.SERVICE_ENTRY, ns))
        .orElse(coverage.coversAny(Kind.SERVICE_ENTRY));
  }

  private static void subset(AnalysisInput in, VirtualService vs, Destination d, String field, List<Message> out) {
    List<DestinationRule> rules = in.destinationRules().stream()
        .filter(dr -> dr.host().equals(d.host()) || Hosts.matches(dr.host(), d.host())).toList();
    boolean defined = rules.stream().flatMap(dr -> dr.subsets().stream()).map(Subset::name)
        .anyMatch(d.subset()::equals);
    String hostNs = Workloads.kubeNamespace(d.host()).orElse(vs.ref().namespace());
    boolean provable = !rules.isEmpty() || in.coverage().covers(Kind.DESTINATION_RULE, vs.ref().namespace())
        || in.coverage().covers(Kind.DESTINATION_RULE, hostNs);
    if (!defined && provable) {
      out.add(new Message(Code.REFERENCED_SUBSET_NOT_FOUND, vs.ref(), field,
          "Referenced host+subset in destinationrule not found: \"" + d.host() + "+" + d.subset() + "\""
              + (rules.isEmpty() ? " (no DestinationRule for the host)" : "")));
    }
  }
}
