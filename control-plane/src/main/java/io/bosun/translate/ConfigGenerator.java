package io.bosun.translate;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates one {@link MeshSnapshot} for any number of proxies. Work that does not depend on
 * the proxy (outbound clusters and endpoints) is done once, when the generator is created.
 * Pure: no I/O, same input gives equal output.
 */
public final class ConfigGenerator {
  private final MeshSnapshot snapshot;
  private final List<Cluster> clusters;
  private final List<ClusterLoadAssignment> endpoints;

  public ConfigGenerator(MeshSnapshot snapshot) {
    this.snapshot = snapshot;
    List<OutboundCluster> outbound = OutboundCluster.all(snapshot);
    List<Cluster> all = new ArrayList<>(ClusterBuilder.outbound(outbound, snapshot.mesh()));
    all.addAll(ClusterBuilder.special(snapshot.mesh()));
    this.clusters = List.copyOf(all);
    this.endpoints = EndpointBuilder.build(outbound);
  }

  public MeshSnapshot snapshot() {
    return snapshot;
  }

  public ProxyConfig generate(Proxy proxy) {
    if (proxy.type() == ProxyType.ROUTER) {
      return new ProxyConfig(clusters, endpoints, ListenerBuilder.gateway(snapshot, proxy),
          RouteBuilder.gateway(snapshot, proxy));
    }
    return new ProxyConfig(clusters, endpoints, ListenerBuilder.sidecar(snapshot, proxy),
        RouteBuilder.sidecar(snapshot, proxy));
  }
}
