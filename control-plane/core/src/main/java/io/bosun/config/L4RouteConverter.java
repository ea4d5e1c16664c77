package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Destination;
import io.bosun.model.Hosts;
import io.bosun.model.L4Route;
import io.bosun.model.RouteDestination;
import io.fabric8.istio.api.api.networking.v1alpha3.TCPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.TLSRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A VirtualService's {@code tcp} and {@code tls} rules to the model. */
final class L4RouteConverter {
  private L4RouteConverter() {
  }

  static List<L4Route> tcp(List<TCPRoute> rules, String ns,
                           Problems problems) {
    List<L4Route> out = new ArrayList<>();
    for (int i = 0; i < list(rules).size(); i++) {
      var r = rules.get(i);
      String field = "spec.tcp[" + i + "]";
      if (r == null) {
        problems.error(field, "route must not be empty");
        continue;
      }
      List<L4Route.Match> matches = new ArrayList<>();
      for (int j = 0; j < list(r.getMatch()).size(); j++) {
        var m = r.getMatch().get(j);
        if (m != null) {
          String mf = field + ".match[" + j + "]";
          Checks.unsupported(m.getSourceSubnet(), mf + ".sourceSubnet", problems);
          matches.add(match(List.of(), m.getDestinationSubnets(), m.getPort(), m.getSourceLabels(),
              m.getSourceNamespace(), m.getGateways(), ns, mf, problems));
        }
      }
      out.add(new L4Route(matches, destinations(r.getRoute(), field, ns, problems)));
    }
    return out;
  }

  /**
   * tls rules: every match needs sniHosts, each within one of the VirtualService's hosts as written
   * (Istio's {@code validateSniHost}); an IP is allowed with a warning, and, unless {@code mesh} is
   * listed, the AUTO_PASSTHROUGH form {@code outbound_.<port>_.<subset>_.<host>}.
   */
  static List<L4Route> tls(List<TLSRoute> rules, List<String> written, List<String> hosts, String ns, boolean mesh,
                           Problems problems) {
    List<L4Route> out = new ArrayList<>();
    for (int i = 0; i < list(rules).size(); i++) {
      var r = rules.get(i);
      String field = "spec.tls[" + i + "]";
      if (r == null || list(r.getMatch()).isEmpty()) {
        problems.error(field + ".match", "at least one match with sniHosts is required");
        continue;
      }
      List<L4Route.Match> matches = new ArrayList<>();
      for (int j = 0; j < r.getMatch().size(); j++) {
        var m = r.getMatch().get(j);
        String mf = field + ".match[" + j + "]";
        if (m == null || list(m.getSniHosts()).isEmpty()) {
          problems.error(mf + ".sniHosts", "at least one SNI host is required");
          continue;
        }
        List<String> sni = new ArrayList<>();
        for (int k = 0; k < m.getSniHosts().size(); k++) {
          String h = sniHost(m.getSniHosts().get(k), written, ns, mesh, mf + ".sniHosts[" + k + "]", problems);
          if (h != null) {
            sni.add(h);
          }
        }
        matches.add(match(sni, m.getDestinationSubnets(), m.getPort(), m.getSourceLabels(), m.getSourceNamespace(),
            m.getGateways(), ns, mf, problems));
      }
      out.add(new L4Route(matches, destinations(r.getRoute(), field, ns, problems)));
    }
    return out;
  }

  private static String sniHost(String h, List<String> written, String ns, boolean mesh, String field,
                                Problems problems) {
    if (h != null && !HostNames.wildcardDomain(h) && !(!mesh && HostNames.autoSni(h)) && HostNames.ip(h)) {
      problems.warning(field, "an IP address (" + h + ") as SNI goes against the SNI specification; most clients"
          + " never send one");
      return h;
    }
    if (h == null || !HostNames.wildcardDomain(h) && !(!mesh && HostNames.autoSni(h))) {
      problems.error(field, "invalid host \"" + h + "\"");
      return null;
    }
    String fq = h.contains(".") || h.equals("*") ? h : Hosts.resolve(h, ns);
    if (written.stream().noneMatch(vh -> HostNames.subsetOf(h, vh) || HostNames.subsetOf(fq, Hosts.resolve(vh, ns)))) {
      problems.error(field, "SNI host " + h + " is not one of the VirtualService's hosts");
      return null;
    }
    return fq;
  }

  private static L4Route.Match match(List<String> sni, List<String> subnets, Long port, Map<String, String> labels,
                                     String sourceNamespace, List<String> gateways, String ns, String field,
                                     Problems problems) {
    for (int i = 0; i < list(subnets).size(); i++) {
      if (subnets.get(i) == null || !SecurityChecks.ipOrCidr(subnets.get(i))) {
        problems.error(field + ".destinationSubnets[" + i + "]", "invalid IP address or CIDR \"" + subnets.get(i)
            + "\"");
      }
    }
    Checks.unsupported(subnets, field + ".destinationSubnets", problems);
    int p = 0;
    if (port != null && port != 0 && Checks.port(port, field + ".port", problems)) {
      p = port.intValue(); // 0 is unset
    }
    Map<String, String> sourceLabels = new TreeMap<>(labels == null ? Map.of() : labels);
    Checks.labels(sourceLabels, field + ".sourceLabels", problems);
    List<String> gws = VirtualServiceConverter.gateways(list(gateways), field + ".gateways", ns, problems);
    return new L4Route.Match(sni, list(subnets), p, sourceLabels, sourceNamespace, gws);
  }

  private static List<RouteDestination> destinations(
      List<io.fabric8.istio.api.api.networking.v1alpha3.RouteDestination> route, String field, String ns,
      Problems problems) {
    List<RouteDestination> out = new ArrayList<>();
    if (list(route).isEmpty()) {
      problems.error(field + ".route", "at least one destination is required");
      return out;
    }
    long total = 0;
    for (int j = 0; j < route.size(); j++) {
      var d = route.get(j);
      String df = field + ".route[" + j + "]";
      if (d == null || d.getDestination() == null) {
        problems.error(df + ".destination", "destination is required");
        continue;
      }
      int weight = d.getWeight() == null ? (route.size() == 1 ? 100 : 0) : d.getWeight();
      if (weight < 0) {
        problems.error(df + ".weight", "weight must not be negative");
        continue;
      }
      total += weight;
      Destination dest = VirtualServiceConverter.destination(d.getDestination(), df + ".destination", ns, problems);
      if (dest != null) {
        out.add(new RouteDestination(dest, route.size() == 1 ? 100 : weight));
      }
    }
    if (route.size() > 1 && total <= 0) {
      problems.error(field + ".route", "total weight of the destinations must be greater than 0");
    }
    return out;
  }
}
