package io.bosun.translate;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.List;
import java.util.Map;

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
    Map<Integer, Boolean> inbound = InboundBuilder.ports(snapshot, proxy);
    List<Listener> listeners = new ArrayList<>(ListenerBuilder.sidecar(snapshot, proxy));
    List<Cluster> all = new ArrayList<>(clusters);
    all.addAll(InboundBuilder.clusters(inbound, snapshot.mesh()));
    listeners.add(InboundBuilder.virtualInbound(snapshot, inbound));
    return new ProxyConfig(all, endpoints, listeners, RouteBuilder.sidecar(snapshot, proxy));
  }
}
