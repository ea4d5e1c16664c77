package io.bosun.model;

import java.util.Map;

/** A named group of a service's endpoints, selected by labels. */
public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
  public Subset {
    labels = Map.copyOf(labels);
    trafficPolicy = trafficPolicy == null ? TrafficPolicy.NONE : trafficPolicy;
  }
}
