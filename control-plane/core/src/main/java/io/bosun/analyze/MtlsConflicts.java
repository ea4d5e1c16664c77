package io.bosun.analyze;

import io.bosun.model.DestinationRule;
import io.bosun.model.PeerAuthentication.MtlsMode;
import io.bosun.model.SecurityPolicies;
import io.bosun.model.Service;
import io.bosun.model.TrafficPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BSN0110: a DestinationRule's TLS mode the destination's PeerAuthentication refuses: plaintext
 * ({@code DISABLE}) to workloads that accept mutual TLS only ({@code STRICT}), or mesh mutual TLS
 * ({@code ISTIO_MUTUAL}) to workloads that accept plaintext only ({@code DISABLE}). Every request fails.
 * The top-level traffic policy is compared; where the workloads are unknown, the namespace's policy.
 */
final class MtlsConflicts implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    if (in.peerAuthentications().isEmpty()) {
      return out;
    }
    SecurityPolicies policies = new SecurityPolicies(in.peerAuthentications(), List.of(), List.of());
    for (DestinationRule dr : in.destinationRules()) {
      TrafficPolicy.ClientTls tls = dr.trafficPolicy().tls();
      Service service = in.registry().service(dr.host());
      if (tls == null || service == null || !service.kubernetes()) {
        continue;
      }
      MtlsMode refused = switch (tls.mode()) {
        case "DISABLE" -> MtlsMode.STRICT;
        case "ISTIO_MUTUAL" -> MtlsMode.DISABLE;
        default -> null;
      };
      if (refused == null) {
        continue;
      }
      List<Map<String, String>> workloads = Workloads.behind(in, service).filter(l -> !l.isEmpty())
          .orElse(List.of(Map.of()));
      boolean conflict = workloads.stream()
          .anyMatch(labels -> policies.mtlsMode(service.namespace(), labels, 0) == refused);
      if (conflict) {
        out.add(new Message(Code.MTLS_CONFLICT, dr.ref(), "spec.trafficPolicy.tls.mode",
            "tls mode " + tls.mode() + " conflicts with PeerAuthentication mode " + refused + " of " + dr.host()
                + "'s workloads: every request fails"));
      }
    }
    return out;
  }
}
