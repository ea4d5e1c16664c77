package io.bosun.translate;

import io.bosun.model.DestinationRule;
import io.bosun.model.Endpoint;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Service;
import io.bosun.model.ServicePort;
import io.bosun.model.Subset;
import io.bosun.model.TrafficPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * One outbound cluster to be: a service port, optionally narrowed to a DestinationRule subset,
 * with the traffic policy that applies to it. Both CDS and EDS are derived from this list, so
 * they always name the same clusters.
 */
record OutboundCluster(String name, Service service, ServicePort port, String subset, TrafficPolicy policy,
                       List<Endpoint> endpoints, List<String> sans) {

  OutboundCluster(String name, Service service, ServicePort port, String subset, TrafficPolicy policy,
                  List<Endpoint> endpoints) {
    this(name, service, port, subset, policy, endpoints, List.of());
  }

  /**
   * The policy of one cluster: the rule's top-level policy for the port, overridden by the
   * subset's policy for the port, field by field.
   */
  static TrafficPolicy policy(DestinationRule dr, Subset subset, int port) {
    if (dr == null) {
      return TrafficPolicy.NONE;
    }
    TrafficPolicy top = dr.trafficPolicy().forPort(port);
    return subset == null ? top : top.overriddenBy(subset.trafficPolicy().forPort(port));
  }

  /** The policy for a route destination, for route-level settings such as the hash policy. */
  static TrafficPolicy policy(MeshSnapshot snapshot, String host, String subset, int port) {
    Service svc = snapshot.registry().service(host);
    DestinationRule dr = svc == null ? null : snapshot.destinationRule(svc).orElse(null);
    Subset s = dr == null ? null : dr.subsets().stream().filter(x -> x.name().equals(subset)).findFirst().orElse(null);
    return policy(dr, s, port);
  }

  /** Every outbound cluster of the mesh, sorted by service then port then subset. */
  static List<OutboundCluster> all(MeshSnapshot snapshot) {
    List<OutboundCluster> out = new ArrayList<>();
    for (Service svc : snapshot.registry().services()) {
      DestinationRule dr = snapshot.destinationRule(svc).orElse(null);
      // Not-ready and terminating endpoints never receive new traffic.
      List<Endpoint> all = snapshot.registry().endpoints(svc.hostname());
      List<Endpoint> ready = all.stream().filter(Endpoint::ready).toList();
      // the identities mutual TLS accepts: every workload's of the service, ready or not (Istio's)
      List<String> sans = MeshTls.sans(snapshot.mesh().trustDomain(), svc.namespace(), all);
      for (ServicePort port : svc.ports()) {
        out.add(new OutboundCluster(Names.outboundCluster(port.number(), "", svc.hostname()), svc, port, "",
            policy(dr, null, port.number()), ready, sans));
        if (dr != null) {
          for (Subset s : dr.subsets()) {
            out.add(new OutboundCluster(Names.outboundCluster(port.number(), s.name(), svc.hostname()), svc, port,
                s.name(), policy(dr, s, port.number()), ready.stream().filter(e -> e.matches(s.labels())).toList(),
                sans));
          }
        }
      }
    }
    return out;
  }
}
