package io.bosun.analyze;

import io.bosun.model.Destination;
import io.bosun.model.DestinationRule;
import io.bosun.model.Hosts;
import io.bosun.model.Kind;
import io.bosun.model.Service;
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
    // once per run: a cluster has thousands of services and destinations
    List<String> wildcards = in.registry().services().stream().map(Service::hostname)
        .filter(h -> h.startsWith("*")).toList();
    List<Message> out = new ArrayList<>();
    for (VirtualService vs : in.virtualServices()) {
      for (Destinations.Target t : Destinations.of(vs)) {
        Destination d = t.destination();
        if (exists(in.registry(), wildcards, d.host()) || !provable(in.coverage(), d.host())) {
          if (!d.subset().isEmpty()) {
            subset(in, vs, t, out);
          }
        } else {
          out.add(new Message(Code.REFERENCED_HOST_NOT_FOUND, vs.ref(), t.at("host"),
              "Referenced " + (t.mirror() ? "mirror " : "") + "host not found: \"" + d.host() + "\""));
        }
      }
    }
    return out;
  }

  /** A service of that exact name, or a wildcard ServiceEntry host covering it. */
  private static boolean exists(ServiceRegistry registry, List<String> wildcards, String host) {
    return registry.service(host) != null || wildcards.stream().anyMatch(w -> Hosts.matches(w, host));
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

  private static void subset(AnalysisInput in, VirtualService vs, Destinations.Target t, List<Message> out) {
    Destination d = t.destination();
    List<DestinationRule> rules = in.destinationRules().stream()
        .filter(dr -> dr.host().equals(d.host()) || Hosts.matches(dr.host(), d.host())).toList();
    boolean defined = rules.stream().flatMap(dr -> dr.subsets().stream()).map(Subset::name)
        .anyMatch(d.subset()::equals);
    String hostNs = Workloads.kubeNamespace(d.host()).orElse(vs.ref().namespace());
    boolean provable = !rules.isEmpty() || in.coverage().covers(Kind.DESTINATION_RULE, vs.ref().namespace())
        || in.coverage().covers(Kind.DESTINATION_RULE, hostNs);
    if (!defined && provable) {
      out.add(new Message(Code.REFERENCED_SUBSET_NOT_FOUND, vs.ref(), t.at("subset"),
          "Referenced host+subset in destinationrule not found: \"" + d.host() + "+" + d.subset() + "\""
              + (rules.isEmpty() ? " (no DestinationRule for the host)" : "")));
    }
  }
}
