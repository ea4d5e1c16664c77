package io.bosun.config;

import io.bosun.model.Hosts;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A VirtualService's {@code hosts} as Istio's {@code ValidateVirtualService} checks them. */
final class VirtualServiceHosts {
  private VirtualServiceHosts() {
  }

  /**
   * The hosts, resolved: DNS names (a wildcard first label allowed) or IPs; {@code *} only when bound
   * to gateways only; the AUTO_PASSTHROUGH SNI form only then and with tls routes by SNI. No two may
   * overlap as written ({@code a.b.com} and {@code *.b.com}); two that resolve to one name are one.
   */
  static List<String> hosts(List<String> in, String ns, boolean gatewayOnly, boolean sni, Problems problems) {
    boolean allValid = true;
    for (int i = 0; i < in.size(); i++) {
      String h = in.get(i);
      String field = "spec.hosts[" + i + "]";
      boolean valid = h != null && (HostNames.hostOrIp(h) || gatewayOnly && sni && HostNames.autoSni(h));
      if (!valid) {
        problems.error(field, "invalid host \"" + h + "\"");
        allValid = false;
      } else if (h.equals("*") && !gatewayOnly) {
        problems.error(field, "wildcard host * is not allowed for a VirtualService bound to the mesh");
        allValid = false;
      }
    }
    if (!allValid) {
      return List.of();
    }
    for (int j = 1; j < in.size(); j++) {
      for (int i = 0; i < j; i++) {
        if (HostNames.overlap(in.get(i), in.get(j))) {
          problems.error("spec.hosts[" + j + "]", in.get(i).equals(in.get(j)) ? "duplicate host " + in.get(j)
              : "host " + in.get(j) + " overlaps host " + in.get(i));
          break;
        }
      }
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < in.size(); i++) {
      String fqdn = Hosts.resolve(in.get(i), ns);
      if (!out.add(fqdn) && in.indexOf(in.get(i)) == i) {
        problems.warning("spec.hosts[" + i + "]", in.get(i) + " is " + fqdn + ", already listed");
      }
    }
    return new ArrayList<>(out);
  }
}
