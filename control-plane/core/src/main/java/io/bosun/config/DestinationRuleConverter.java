package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.DestinationRule;
import io.bosun.model.Hosts;
import io.bosun.model.LoadBalancer;
import io.bosun.model.ResourceRef;
import io.bosun.model.Subset;
import io.bosun.model.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHash;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsSimple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Validates a DestinationRule spec and turns it into the model. */
final class DestinationRuleConverter {
  private DestinationRuleConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
      io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    String host = spec.getHost();
    if (host == null || host.isBlank()) {
      problems.error("spec.host", "host is required");
    } else if (!Hosts.isValidName(host)) {
      problems.error("spec.host", "invalid host \"" + host + "\"");
    }
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", problems);
    Checks.unsupported(spec.getWorkloadSelector(), "spec.workloadSelector", problems);
    TrafficPolicy policy = policy(spec.getTrafficPolicy(), "spec.trafficPolicy", problems);

    List<Subset> subsets = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list(spec.getSubsets()).size(); i++) {
      var s = spec.getSubsets().get(i);
      String field = "spec.subsets[" + i + "]";
      if (s == null || s.getName() == null || s.getName().isBlank()) {
        problems.error(field + ".name", "subset name is required");
        continue;
      }
      if (!s.getName().matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")) {
        problems.error(field + ".name", "invalid subset name \"" + s.getName() + "\"");
      }
      if (!names.add(s.getName())) {
        problems.error(field + ".name", "duplicate subset name " + s.getName());
      }
      Map<String, String> labels = s.getLabels() == null ? Map.of() : s.getLabels();
      new TreeMap<>(labels).forEach((key, value) -> {
        if (!Checks.labelKey(key)) {
          problems.error(field + ".labels." + key, "invalid label key");
        } else if (!Checks.labelValue(value)) {
          problems.error(field + ".labels." + key, "invalid label value \"" + value + "\"");
        }
      });
      subsets.add(new Subset(s.getName(), labels, policy(s.getTrafficPolicy(), field + ".trafficPolicy", problems)));
    }
    String resolved = host == null ? "" : Hosts.resolve(host, ref.namespace());
    return Conversion.of(ref, new DestinationRule(ref, resolved, policy, subsets, exportTo), problems);
  }

  private static void portLevelSettings(io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy p, String field,
                                        Problems problems) {
    Set<Long> ports = new HashSet<>();
    var list = p.getPortLevelSettings() == null ? List.<io.fabric8.istio.api.api.networking.v1alpha3
        .TrafficPolicyPortTrafficPolicy>of() : p.getPortLevelSettings();
    for (int i = 0; i < list.size(); i++) {
      String f = field + ".portLevelSettings[" + i + "]";
      var s = list.get(i);
      if (s.getPort() == null || s.getPort().getNumber() == null) {
        problems.error(f + ".port", "port is required");
      } else if (Checks.port(s.getPort().getNumber(), f + ".port.number", problems)
          && !ports.add(s.getPort().getNumber())) {
        problems.error(f + ".port.number", "duplicate port " + s.getPort().getNumber());
      }
      PolicyChecks.connectionPool(s.getConnectionPool(), f + ".connectionPool", problems);
      PolicyChecks.outlierDetection(s.getOutlierDetection(), f + ".outlierDetection", problems);
    }
  }

  private static TrafficPolicy policy(io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy p, String field,
                                      Problems problems) {
    if (p == null) {
      return TrafficPolicy.NONE;
    }
    PolicyChecks.connectionPool(p.getConnectionPool(), field + ".connectionPool", problems);
    PolicyChecks.outlierDetection(p.getOutlierDetection(), field + ".outlierDetection", problems);
    portLevelSettings(p, field, problems);
    Checks.unsupported(p.getProxyProtocol(), field + ".proxyProtocol", problems);
    Checks.unsupported(p.getTunnel(), field + ".tunnel", problems);
    Checks.unsupported(p.getRetryBudget(), field + ".retryBudget", problems);
    Map<Integer, TrafficPolicy> portLevel = new TreeMap<>();
    var levels = list(p.getPortLevelSettings());
    for (int i = 0; i < levels.size(); i++) {
      var l = levels.get(i);
      String lf = field + ".portLevelSettings[" + i + "]";
      if (l.getPort() != null && l.getPort().getNumber() != null) {
        portLevel.put(l.getPort().getNumber().intValue(), new TrafficPolicy(
            lb(l.getLoadBalancer(), lf, problems), hash(l.getLoadBalancer(), lf, problems),
            TrafficPolicies.pool(l.getConnectionPool()), TrafficPolicies.outlier(l.getOutlierDetection()),
            ClientPolicies.tls(l.getTls(), lf + ".tls", problems), null, Map.of()));
      }
    }
    return new TrafficPolicy(lb(p.getLoadBalancer(), field, problems), hash(p.getLoadBalancer(), field, problems),
        TrafficPolicies.pool(p.getConnectionPool()), TrafficPolicies.outlier(p.getOutlierDetection()),
        ClientPolicies.tls(p.getTls(), field + ".tls", problems),
        p.getLoadBalancer() == null ? null
            : ClientPolicies.locality(p.getLoadBalancer().getLocalityLbSetting(),
                field + ".loadBalancer.localityLbSetting", problems),
        portLevel);
  }

  private static LoadBalancer lb(LoadBalancerSettings lbs, String field, Problems problems) {
    if (lbs == null) {
      return LoadBalancer.UNSET;
    }
    Checks.unsupported(lbs.getWarmup(), field + ".loadBalancer.warmup", problems);
    if (lbs.getLbPolicy() instanceof LoadBalancerSettingsSimple simple && simple.getSimple() != null) {
      return switch (simple.getSimple()) {
        case ROUND_ROBIN -> LoadBalancer.ROUND_ROBIN;
        case LEAST_REQUEST, LEAST_CONN -> LoadBalancer.LEAST_REQUEST;
        case RANDOM -> LoadBalancer.RANDOM;
        case PASSTHROUGH -> LoadBalancer.PASSTHROUGH;
        default -> LoadBalancer.UNSET;
      };
    }
    if (lbs.getLbPolicy() != null
        && !(lbs.getLbPolicy() instanceof LoadBalancerSettingsConsistentHash ch && ch.getConsistentHash() != null)) {
      // fabric8 maps an unknown enum value to an empty oneof member rather than failing
      problems.error(field + ".loadBalancer.simple", "must be one of ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH");
    }
    return LoadBalancer.UNSET;
  }

  private static TrafficPolicy.ConsistentHash hash(LoadBalancerSettings lbs, String field, Problems problems) {
    if (lbs == null || !(lbs.getLbPolicy() instanceof LoadBalancerSettingsConsistentHash ch)
        || ch.getConsistentHash() == null) {
      return null;
    }
    return TrafficPolicies.hash(ch.getConsistentHash(), field + ".loadBalancer.consistentHash", problems);
  }
}
