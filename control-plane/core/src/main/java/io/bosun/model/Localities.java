package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * Where a Kubernetes workload runs, as Istio reads it: the node's {@code topology.kubernetes.io/region}
 * and {@code zone} labels plus Istio's {@code topology.istio.io/subzone}; a pod may override them
 * with {@code topology.istio.io/locality} or {@code istio-locality} ({@code region.zone.subzone}:
 * label values cannot hold a slash).
 */
public final class Localities {
  public static final String REGION = "topology.kubernetes.io/region";
  public static final String ZONE = "topology.kubernetes.io/zone";
  public static final String SUBZONE = "topology.istio.io/subzone";
  static final List<String> POD_OVERRIDES = List.of("topology.istio.io/locality", "istio-locality");

  private Localities() {
  }

  /** {@code region/zone/subzone} from a node's labels; empty when it has none of them. */
  public static String ofNode(Map<String, String> labels) {
    String region = labels.getOrDefault(REGION, "");
    String zone = labels.getOrDefault(ZONE, "");
    String subzone = labels.getOrDefault(SUBZONE, "");
    return region.isEmpty() && zone.isEmpty() && subzone.isEmpty() ? "" : region + "/" + zone + "/" + subzone;
  }

  /**
   * A pod's locality: its override label, else its node's, else {@code fallback} (e.g. the zone an
   * EndpointSlice reports).
   */
  public static String ofPod(Map<String, String> podLabels, String nodeLocality, String fallback) {
    for (String label : POD_OVERRIDES) {
      String v = podLabels.get(label);
      if (v != null && !v.isBlank()) {
        return v.trim().replace('.', '/');
      }
    }
    return nodeLocality != null && !nodeLocality.isEmpty() ? nodeLocality : fallback;
  }
}
