package io.bosun.model;

import java.util.List;

/** A validated DestinationRule; {@code host} is fully qualified. */
public record DestinationRule(ResourceRef ref, String host, TrafficPolicy trafficPolicy, List<Subset> subsets,
                              List<String> exportTo) implements MeshResource {
  public DestinationRule {
    trafficPolicy = trafficPolicy == null ? TrafficPolicy.NONE : trafficPolicy;
    subsets = List.copyOf(subsets);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
  }

  public DestinationRule(ResourceRef ref, String host, TrafficPolicy trafficPolicy, List<Subset> subsets) {
    this(ref, host, trafficPolicy, subsets, List.of());
  }
}
