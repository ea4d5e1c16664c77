package io.bosun.analyze;

import io.bosun.model.PeerAuthentication;
import io.bosun.model.PodInfo;
import io.bosun.model.SecurityPolicies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * PeerAuthentications that compete: only one of them applies and which one is a matter of names.
 * BSN0108: more than one without selector in a namespace (mesh-wide ones in the root namespace).
 * BSN0109: two with selectors that select the same pod (or have the same selector).
 * Bosun applies the first by name, as {@link SecurityPolicies} does; the others are reported.
 */
final class PeerAuthenticationChecks implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    Map<String, List<PeerAuthentication>> wide = new TreeMap<>();
    Map<String, List<PeerAuthentication>> workload = new TreeMap<>();
    for (PeerAuthentication p : in.peerAuthentications()) {
      (p.selector() == null ? wide : workload).computeIfAbsent(p.ref().namespace(), k -> new ArrayList<>()).add(p);
    }
    wide.forEach((ns, list) -> {
      String scope = ns.equals(SecurityPolicies.ROOT_NAMESPACE) ? "mesh-wide (root namespace " + ns + ")"
          : "namespace-wide";
      for (PeerAuthentication p : list.subList(1, list.size())) {
        out.add(new Message(Code.CONFLICTING_WIDE_PEER_AUTHENTICATIONS, p.ref(), "",
            "More than one " + scope + " PeerAuthentication (no selector) in namespace " + ns + "; only the first by"
                + " name, " + name(list.get(0)) + ", applies"));
      }
    });
    workload.forEach((ns, list) -> {
      for (int i = 1; i < list.size(); i++) {
        PeerAuthentication p = list.get(i);
        for (PeerAuthentication earlier : list.subList(0, i)) {
          Optional<String> shared = shared(in.pods(), earlier, p);
          if (shared.isPresent()) {
            out.add(new Message(Code.PEER_AUTHENTICATIONS_SELECT_SAME_POD, p.ref(), "spec.selector",
                "Selects the same workloads as PeerAuthentication " + name(earlier) + " (" + shared.get()
                    + "); only " + name(earlier) + ", the first by name, applies to them"));
            break;
          }
        }
      }
    });
    return out;
  }

  /** What both select: "the same selector", or a pod both select. */
  private static Optional<String> shared(List<PodInfo> pods, PeerAuthentication a, PeerAuthentication b) {
    if (Objects.equals(a.selector(), b.selector())) {
      return Optional.of("the same selector " + Workloads.render(a.selector()));
    }
    return pods.stream().filter(pod -> pod.ref().namespace().equals(a.ref().namespace())
            && a.selects(pod.labels()) && b.selects(pod.labels()))
        .findFirst().map(pod -> "pod " + pod.ref().name());
  }

  private static String name(PeerAuthentication p) {
    return p.ref().namespace() + "/" + p.ref().name();
  }
}
