package io.bosun.translate;

import com.google.protobuf.UInt32Value;
import io.bosun.model.TrafficPolicy;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * localityLbSetting for one client locality: {@code distribute} sets each locality's share of
 * the traffic; otherwise, with outlier detection on (as Istio requires), endpoints get
 * priorities by how close they are (same subzone, zone, region, the failover region, the rest),
 * so traffic fails over only when the closer ones are ejected.
 */
final class LocalityLb {
  private LocalityLb() {
  }

  static ClusterLoadAssignment apply(ClusterLoadAssignment cla, TrafficPolicy.Locality setting, boolean outlier,
                                     String clientLocality) {
    if (setting == null || !setting.enabled() || clientLocality.isEmpty()) {
      return cla;
    }
    if (!setting.distribute().isEmpty()) {
      return distribute(cla, setting.distribute(), clientLocality);
    }
    return outlier ? prioritise(cla, setting, clientLocality) : cla;
  }

  private static ClusterLoadAssignment distribute(ClusterLoadAssignment cla, List<TrafficPolicy.Distribute> rules,
                                                  String client) {
    List<TrafficPolicy.Share> to = null;
    for (TrafficPolicy.Distribute rule : rules) {
      if (matches(rule.from(), client)) {
        to = rule.to();
        break;
      }
    }
    if (to == null) {
      return cla;
    }
    // each target's weight is shared among the localities it matches, in proportion to their endpoints
    double[] weights = new double[cla.getEndpointsCount()];
    for (TrafficPolicy.Share target : to) {
      int matched = 0;
      for (LocalityLbEndpoints l : cla.getEndpointsList()) {
        if (matches(target.locality(), name(l.getLocality()))) {
          matched += l.getLbEndpointsCount();
        }
      }
      for (int i = 0; i < cla.getEndpointsCount(); i++) {
        LocalityLbEndpoints l = cla.getEndpoints(i);
        if (matched > 0 && matches(target.locality(), name(l.getLocality()))) {
          weights[i] += target.weight() * (double) l.getLbEndpointsCount() / matched;
        }
      }
    }
    ClusterLoadAssignment.Builder out = cla.toBuilder().clearEndpoints();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      long w = Math.round(weights[i]);
      if (w > 0) {
        out.addEndpoints(cla.getEndpoints(i).toBuilder().setLoadBalancingWeight(UInt32Value.of((int) w)));
      }
    }
    return out.build();
  }

  private static ClusterLoadAssignment prioritise(ClusterLoadAssignment cla, TrafficPolicy.Locality setting,
                                                  String client) {
    String[] c = parts(client);
    String failoverRegion = setting.failoverFor(c[0]);
    List<Integer> raw = new ArrayList<>();
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      Locality loc = l.getLocality();
      int p;
      if (loc.getRegion().equals(c[0]) && loc.getZone().equals(c[1]) && loc.getSubZone().equals(c[2])) {
        p = 0;
      } else if (loc.getRegion().equals(c[0]) && loc.getZone().equals(c[1])) {
        p = 1;
      } else if (loc.getRegion().equals(c[0])) {
        p = 2;
      } else if (loc.getRegion().equals(failoverRegion)) {
        p = 3;
      } else {
        p = 4;
      }
      raw.add(p);
    }
    // Envoy wants priorities without gaps: 0, 1, 2, ...
    List<Integer> used = new ArrayList<>(new TreeSet<>(raw));
    ClusterLoadAssignment.Builder out = cla.toBuilder().clearEndpoints();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      out.addEndpoints(cla.getEndpoints(i).toBuilder().setPriority(used.indexOf(raw.get(i))));
    }
    return out.build();
  }

  /** {@code pattern} is region/zone/subzone with {@code *} parts; missing parts match anything. */
  static boolean matches(String pattern, String locality) {
    String[] p = pattern.split("/", -1);
    String[] l = parts(locality);
    for (int i = 0; i < p.length && i < 3; i++) {
      if (!p[i].equals("*") && !p[i].equals(l[i])) {
        return false;
      }
    }
    return true;
  }

  private static String[] parts(String locality) {
    String[] p = locality.split("/", -1);
    return new String[] {p.length > 0 ? p[0] : "", p.length > 1 ? p[1] : "", p.length > 2 ? p[2] : ""};
  }

  private static String name(Locality l) {
    return l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
  }
}
