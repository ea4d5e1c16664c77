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
    } else if (!HostNames.wildcardDomain(host)) {
      problems.error("spec.host", "invalid host \"" + host + "\"");
    }
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", ref.namespace(), false, problems);
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
      if (!HostNames.label(s.getName())) {
        problems.error(field + ".name", "invalid subset name \"" + s.getName() + "\": letters, digits and '-'");
      }
      if (!names.add(s.getName())) {
        problems.error(field + ".name", "duplicate subset name " + s.getName());
      }
      Map<String, String> labels = s.getLabels() == null ? Map.of() : s.getLabels();
      Checks.labels(labels, field + ".labels", problems);
      subsets.add(new Subset(s.getName(), labels, policy(s.getTrafficPolicy(), field + ".trafficPolicy", problems)));
    }
    String resolved = host == null ? "" : Hosts.resolve(host, ref.namespace());
    return Conversion.of(ref, new DestinationRule(ref, resolved, policy, subsets, exportTo), problems);
  }

  /** Port-level settings by port; for a port listed twice the first applies, as in Istio. */
  private static Map<Integer, TrafficPolicy> portLevel(io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy p,
                                                       String field, Problems problems) {
    Map<Integer, TrafficPolicy> out = new TreeMap<>();
    var levels = list(p.getPortLevelSettings());
    for (int i = 0; i < levels.size(); i++) {
      String f = field + ".portLevelSettings[" + i + "]";
      var l = levels.get(i);
      if (l == null) {
        problems.error(f, "a port traffic policy is required here");
        continue;
      }
      if (l.getConnectionPool() == null && l.getLoadBalancer() == null && l.getOutlierDetection() == null
          && l.getTls() == null) {
        problems.error(f, "at least one of connectionPool, loadBalancer, outlierDetection or tls is required");
      }
      TrafficPolicyChecks.connectionPool(l.getConnectionPool(), f + ".connectionPool", problems);
      TrafficPolicyChecks.outlierDetection(l.getOutlierDetection(), f + ".outlierDetection", problems);
      TrafficPolicy level = new TrafficPolicy(lb(l.getLoadBalancer(), f, problems), hash(l.getLoadBalancer(), f,
          problems), TrafficPolicies.pool(l.getConnectionPool()), TrafficPolicies.outlier(l.getOutlierDetection()),
          ClientPolicies.tls(l.getTls(), f + ".tls", problems), null, Map.of(),
          l.getLoadBalancer() == null ? null : TrafficPolicyChecks.warmup(l.getLoadBalancer(), f + ".loadBalancer",
              problems));
      if (l.getPort() == null || l.getPort().getNumber() == null) {
        problems.error(f + ".port", "port is required");
      } else if (Checks.port(l.getPort().getNumber(), f + ".port.number", problems)
          && out.putIfAbsent(l.getPort().getNumber().intValue(), level) != null) {
        problems.warning(f + ".port.number", "port " + l.getPort().getNumber() + " is listed before: these settings"
            + " are ignored");
      }
    }
    return out;
  }

  private static TrafficPolicy policy(io.fabric8.istio.api.api.networking.v1alpha3.TrafficPolicy p, String field,
                                      Problems problems) {
    if (p == null) {
      return TrafficPolicy.NONE;
    }
    if (p.getConnectionPool() == null && p.getLoadBalancer() == null && p.getOutlierDetection() == null
        && p.getTls() == null && list(p.getPortLevelSettings()).isEmpty() && p.getTunnel() == null
        && p.getProxyProtocol() == null && p.getRetryBudget() == null) {
      problems.error(field, "at least one field is required");
    }
    if (p.getTunnel() != null && p.getProxyProtocol() != null) {
      problems.error(field, "tunnel and proxyProtocol cannot both be set");
    }
    TrafficPolicyChecks.connectionPool(p.getConnectionPool(), field + ".connectionPool", problems);
    TrafficPolicyChecks.outlierDetection(p.getOutlierDetection(), field + ".outlierDetection", problems);
    Checks.unsupported(p.getProxyProtocol(), field + ".proxyProtocol", problems);
    Checks.unsupported(p.getTunnel(), field + ".tunnel", problems);
    Checks.unsupported(p.getRetryBudget(), field + ".retryBudget", problems);
    Map<Integer, TrafficPolicy> portLevel = portLevel(p, field, problems);
    LoadBalancerSettings lbs = p.getLoadBalancer();
    return new TrafficPolicy(lb(lbs, field, problems), hash(lbs, field, problems),
        TrafficPolicies.pool(p.getConnectionPool()), TrafficPolicies.outlier(p.getOutlierDetection()),
        ClientPolicies.tls(p.getTls(), field + ".tls", problems),
        lbs == null ? null
            : ClientPolicies.locality(lbs.getLocalityLbSetting(), field + ".loadBalancer.localityLbSetting", problems),
        portLevel, lbs == null ? null : TrafficPolicyChecks.warmup(lbs, field + ".loadBalancer", problems));
  }

  /** loadBalancer.simple; an unknown name is reported by {@link DocumentChecks}. */
  private static LoadBalancer lb(LoadBalancerSettings lbs, String field, Problems problems) {
    if (lbs == null) {
      return LoadBalancer.UNSET;
    }
    if (lbs.getLbPolicy() instanceof LoadBalancerSettingsSimple simple && simple.getSimple() != null) {
      LoadBalancer lb = switch (simple.getSimple()) {
        case ROUND_ROBIN -> LoadBalancer.ROUND_ROBIN;
        case LEAST_REQUEST, LEAST_CONN -> LoadBalancer.LEAST_REQUEST;
        case RANDOM -> LoadBalancer.RANDOM;
        case PASSTHROUGH -> LoadBalancer.PASSTHROUGH;
        default -> LoadBalancer.UNSET;
      };
      if (lb == LoadBalancer.RANDOM || lb == LoadBalancer.PASSTHROUGH) {
        noWarmup(lbs, field, "simple " + simple.getSimple(), problems);
      }
      return lb;
    }
    if (lbs.getLbPolicy() instanceof LoadBalancerSettingsConsistentHash ch && ch.getConsistentHash() != null) {
      noWarmup(lbs, field, "consistentHash", problems);
    }
    return LoadBalancer.UNSET;
  }

  /** Istio applies warmup to ROUND_ROBIN and LEAST_REQUEST only. */
  private static void noWarmup(LoadBalancerSettings lbs, String field, String policy, Problems problems) {
    if (lbs.getWarmup() != null || lbs.getWarmupDurationSecs() != null) {
      problems.warning(field + ".loadBalancer." + (lbs.getWarmup() != null ? "warmup" : "warmupDurationSecs"),
          "applies to ROUND_ROBIN and LEAST_REQUEST only; ignored with " + policy);
    }
  }

  private static TrafficPolicy.ConsistentHash hash(LoadBalancerSettings lbs, String field, Problems problems) {
    if (lbs == null || !(lbs.getLbPolicy() instanceof LoadBalancerSettingsConsistentHash ch)
        || ch.getConsistentHash() == null) {
      return null;
    }
    return TrafficPolicies.hash(ch.getConsistentHash(), field + ".loadBalancer.consistentHash", problems);
  }
}
