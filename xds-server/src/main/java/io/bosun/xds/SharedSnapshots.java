package io.bosun.xds;

import com.google.protobuf.Message;
import io.bosun.resources.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cache snapshots whose per-type resource maps are shared by every group holding the same
 * content (the same version of that type). Thousands of sidecars that see the same mesh then
 * hold one map of a thousand clusters between them, not one each. Counted: a map is dropped
 * when the last group holding it moves on or disconnects. Callers hold the lock of
 * {@link ProxyGroups}.
 */
final class SharedSnapshots {
  private record Key(String type, String version) {}

  private static final class Held {
    final SnapshotResources<? extends Message> resources;
    int holders;

    Held(SnapshotResources<? extends Message> resources) {
      this.resources = resources;
    }
  }

  private final Map<Key, Held> held = new HashMap<>();

  /** A snapshot of {@code r}, sharing each type's map with the groups that hold the same version. */
  Snapshot acquire(XdsResources r) {
    return new Shared(
        this.<Cluster>take("CDS", r.clustersVersion(), r.clusters()),
        this.<ClusterLoadAssignment>take("EDS", r.endpointsVersion(), r.endpoints()),
        this.<Listener>take("LDS", r.listenersVersion(), r.listeners()),
        this.<RouteConfiguration>take("RDS", r.routesVersion(), r.routes()),
        this.<Secret>take("SDS", r.secretsVersion(), r.secrets()));
  }

  /** The group that held {@code s} no longer does. */
  void release(Snapshot s) {
    give("CDS", s.clusters());
    give("EDS", s.endpoints());
    give("LDS", s.listeners());
    give("RDS", s.routes());
    give("SDS", s.secrets());
  }

  /** How many distinct per-type maps are held (for tests and metrics). */
  int maps() {
    return held.size();
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> SnapshotResources<T> take(String type, String version, List<T> resources) {
    Held h = held.computeIfAbsent(new Key(type, version),
        k -> new Held(SnapshotResources.create(resources, version)));
    h.holders++;
    return (SnapshotResources<T>) h.resources;
  }

  private void give(String type, SnapshotResources<? extends Message> resources) {
    Key key = new Key(type, resources.version());
    Held h = held.get(key);
    if (h != null && h.resources == resources && --h.holders == 0) {
      held.remove(key);
    }
  }

  /** A java-control-plane snapshot over maps it does not own. */
  private static final class Shared extends Snapshot {
    private final SnapshotResources<Cluster> clusters;
    private final SnapshotResources<ClusterLoadAssignment> endpoints;
    private final SnapshotResources<Listener> listeners;
    private final SnapshotResources<RouteConfiguration> routes;
    private final SnapshotResources<Secret> secrets;

    Shared(SnapshotResources<Cluster> clusters, SnapshotResources<ClusterLoadAssignment> endpoints,
           SnapshotResources<Listener> listeners, SnapshotResources<RouteConfiguration> routes,
           SnapshotResources<Secret> secrets) {
      this.clusters = clusters;
      this.endpoints = endpoints;
      this.listeners = listeners;
      this.routes = routes;
      this.secrets = secrets;
    }

    @Override
    public SnapshotResources<Cluster> clusters() {
      return clusters;
    }

    @Override
    public SnapshotResources<ClusterLoadAssignment> endpoints() {
      return endpoints;
    }

    @Override
    public SnapshotResources<Listener> listeners() {
      return listeners;
    }

    @Override
    public SnapshotResources<RouteConfiguration> routes() {
      return routes;
    }

    @Override
    public SnapshotResources<Secret> secrets() {
      return secrets;
    }

    /** Declared again: the base class's abstract signature and v3's implementation differ in generics. */
    @Override
    public Map<String, VersionedResource<?>> versionedResources(Resources.ResourceType type) {
      return super.versionedResources(type);
    }
  }
}
