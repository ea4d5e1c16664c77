package io.bosun.xds;

import io.bosun.resources.XdsResources;
import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What every proxy group is served: the resources last published for it (by the push pipeline),
 * which groups have streams open, and per-proxy sync state. Made before the server and the
 * pipeline, and handed to both, so neither needs the other: the pipeline publishes here, the
 * server serves from here.
 */
public final class XdsCache {
  private final ProxyGrouping grouping;
  private final SimpleCache<String> cache;
  private final ProxyGroups groups;
  private final SyncTracker tracker;

  public XdsCache(ProxyGrouping grouping) {
    this.grouping = Objects.requireNonNull(grouping, "grouping");
    this.cache = new SimpleCache<>(grouping::groupOf);
    this.groups = new ProxyGroups(cache);
    this.tracker = new SyncTracker(grouping::groupOf);
  }

  /**
   * Sets the group's resources. Returns true if any type's version changed, which pushes the
   * changed types to the group's proxies; false (and nothing is pushed) if all are unchanged.
   *
   * <p>java-control-plane answers a state-of-the-world ADS request for named resources (EDS,
   * RDS) only when every requested name is present, so include a ClusterLoadAssignment (empty
   * if need be) for every EDS cluster and a RouteConfiguration for every RDS name referenced.
   * Resources of a group that has no stream stay until one of its streams opens and closes.
   */
  public boolean publish(String group, XdsResources resources) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(resources, "resources");
    return groups.publish(group, resources);
  }

  public Optional<XdsResources> resources(String group) {
    return groups.resources(group);
  }

  /** Groups with at least one open stream. */
  public Set<String> connectedGroups() {
    return groups.connected();
  }

  public SyncTracker syncTracker() {
    return tracker;
  }

  ProxyGrouping grouping() {
    return grouping;
  }

  SimpleCache<String> cache() {
    return cache;
  }

  ProxyGroups groups() {
    return groups;
  }
}
