package io.bosun.analyze;

import io.bosun.model.ExportTo;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * BSN0106: two VirtualServices for the sidecars ({@code mesh}) with one host, both visible in some
 * namespace. A sidecar gets one route table per host, so one of them does not take effect. (On a
 * gateway, VirtualServices for one host are merged, as in Istio, so they are not reported.)
 */
final class HostConflicts implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    Map<String, List<VirtualService>> byHost = new TreeMap<>();
    for (VirtualService vs : in.virtualServices()) {
      if (vs.appliesToMesh()) {
        vs.hosts().forEach(h -> byHost.computeIfAbsent(h, k -> new ArrayList<>()).add(vs));
      }
    }
    List<Message> out = new ArrayList<>();
    byHost.forEach((host, list) -> {
      for (VirtualService vs : list) {
        List<String> others = list.stream().filter(o -> o != vs && overlap(vs, o))
            .map(o -> o.ref().namespace() + "/" + o.ref().name()).toList();
        if (!others.isEmpty()) {
          out.add(new Message(Code.CONFLICTING_VIRTUAL_SERVICE_HOSTS, vs.ref(),
              "spec.hosts[" + vs.hosts().indexOf(host) + "]", "The VirtualServices " + ref(vs) + ", "
                  + String.join(", ", others) + " associated with mesh define the same host \"" + host
                  + "\"; sidecars apply only one of them"));
        }
      }
    });
    return out;
  }

  private static String ref(VirtualService vs) {
    return vs.ref().namespace() + "/" + vs.ref().name();
  }

  /** Whether some namespace sees both (exportTo). */
  private static boolean overlap(VirtualService a, VirtualService b) {
    Set<String> viewers = new LinkedHashSet<>(List.of(a.ref().namespace(), b.ref().namespace()));
    viewers.addAll(a.exportTo());
    viewers.addAll(b.exportTo());
    viewers.remove(".");
    viewers.remove("*");
    // a namespace named in neither list: what an export to every namespace reaches
    viewers.add(" other");
    return viewers.stream().anyMatch(v -> ExportTo.visible(a.exportTo(), a.ref().namespace(), v)
        && ExportTo.visible(b.exportTo(), b.ref().namespace(), v));
  }
}
