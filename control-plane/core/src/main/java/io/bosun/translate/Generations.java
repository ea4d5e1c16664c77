package io.bosun.translate;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Service;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What one config generation can take over from the one before. */
final class Generations {
  private Generations() {
  }

  /**
   * Whether {@code next} differs from {@code last} in Kubernetes endpoints only (pods scaled,
   * moved, became ready): then clusters, listeners and routes are the same, and only endpoint
   * assignments and the inbound side (which services a pod's IP serves) can change.
   * ServiceEntry endpoints count as config: DNS and static clusters carry them inline.
   */
  static boolean endpointsOnly(MeshSnapshot last, MeshSnapshot next) {
    if (!last.virtualServices().equals(next.virtualServices())
        || !last.destinationRules().equals(next.destinationRules())
        || !last.gateways().equals(next.gateways())
        || !last.mesh().equals(next.mesh())
        || !last.secrets().equals(next.secrets())
        || !last.security().equals(next.security())
        || !last.viewNamespace().equals(next.viewNamespace())
        || !last.registry().services().equals(next.registry().services())) {
      return false;
    }
    for (Service s : next.registry().services()) {
      if (!s.kubernetes() && !last.registry().endpoints(s.hostname()).equals(next.registry().endpoints(s.hostname()))) {
        return false;
      }
      // mutual TLS checks a service's identities: a new service account changes its clusters
      if (!serviceAccounts(last, s).equals(serviceAccounts(next, s))) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> serviceAccounts(MeshSnapshot snapshot, Service s) {
    Set<String> out = new HashSet<>();
    snapshot.registry().endpoints(s.hostname()).forEach(e -> out.add(e.serviceAccount()));
    return out;
  }

  /**
   * {@code next} with every assignment equal to the last generation's replaced by that instance:
   * proxies then hold the same objects across generations, and telling what changed for them
   * is an identity check.
   */
  static List<ClusterLoadAssignment> keepUnchanged(List<ClusterLoadAssignment> next,
                                                   List<ClusterLoadAssignment> last) {
    Map<String, ClusterLoadAssignment> before = new HashMap<>();
    last.forEach(c -> before.put(c.getClusterName(), c));
    List<ClusterLoadAssignment> out = new ArrayList<>(next.size());
    for (ClusterLoadAssignment c : next) {
      ClusterLoadAssignment old = before.get(c.getClusterName());
      out.add(c.equals(old) ? old : c);
    }
    return List.copyOf(out);
  }
}
