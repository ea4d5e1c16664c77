package io.bosun.model;

import java.util.List;

/** A validated DestinationRule; {@code host} is fully qualified. */
public record DestinationRule(ResourceRef ref, String host, TrafficPolicy trafficPolicy, List<Subset> subsets) {
  public DestinationRule {
    trafficPolicy = trafficPolicy == null ? TrafficPolicy.NONE : trafficPolicy;
    subsets = List.copyOf(subsets);
  }
}
