package io.bosun.analyze;

import io.bosun.model.Gateway;
import io.bosun.model.Kind;
import io.bosun.model.PodInfo;
import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * BSN0103: a VirtualService binds only to Gateways that exist. BSN0104: a Gateway's selector
 * matches some pod (in any namespace, as Istio selects gateway pods by default); checked only
 * against a whole cluster, since a gateway proxy may be a standalone Envoy no file describes.
 */
final class GatewayChecks implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    Set<String> gateways = in.gateways().stream().map(Gateway::qualifiedName).collect(Collectors.toSet());
    for (VirtualService vs : in.virtualServices()) {
      for (int i = 0; i < vs.gateways().size(); i++) {
        String g = vs.gateways().get(i);
        if (g.equals(VirtualService.MESH) || gateways.contains(g)) {
          continue;
        }
        if (in.coverage().covers(Kind.GATEWAY, g.substring(0, g.indexOf('/')))) {
          out.add(new Message(Code.REFERENCED_GATEWAY_NOT_FOUND, vs.ref(), "spec.gateways[" + i + "]",
              "Referenced gateway not found: \"" + g + "\""));
        }
      }
    }
    if (!in.coverage().complete()) {
      return out;
    }
    for (Gateway g : in.gateways()) {
      if (!g.selector().isEmpty() && in.pods().stream().map(PodInfo::labels).noneMatch(g::selects)) {
        out.add(new Message(Code.GATEWAY_SELECTOR_MATCHES_NO_POD, g.ref(), "spec.selector",
            "Referenced selector not found: \"" + Workloads.render(g.selector()) + "\" matches no pod"));
      }
    }
    return out;
  }
}
