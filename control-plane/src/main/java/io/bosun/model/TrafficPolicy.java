package io.bosun.model;

/** The part of a DestinationRule trafficPolicy this release translates. */
public record TrafficPolicy(LoadBalancer loadBalancer) {
  public static final TrafficPolicy NONE = new TrafficPolicy(LoadBalancer.UNSET);

  /** Field-by-field override: a subset's policy wins where it sets a field. */
  public TrafficPolicy overriddenBy(TrafficPolicy more) {
    if (more == null) {
      return this;
    }
    return new TrafficPolicy(more.loadBalancer != LoadBalancer.UNSET ? more.loadBalancer : loadBalancer);
  }
}
