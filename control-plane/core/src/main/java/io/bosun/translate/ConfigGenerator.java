package io.bosun.translate;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Translates one {@link MeshSnapshot} for any number of proxies. Work that does not depend on
 * the proxy (outbound clusters and endpoints) is done once per view of the mesh: once in all when
 * everything is exported everywhere, else once per proxy namespace (exportTo). Pure: no I/O, same
 * input gives equal output.
 */
public final class ConfigGenerator {
  private final MeshSnapshot snapshot;
  private final boolean perNamespace;
  private final Map<String, ConfigGenerator> views = new ConcurrentHashMap<>();
  private volatile List<Cluster> clusters;
  private volatile List<ClusterLoadAssignment> endpoints;
  private volatile Map<String, Map<Integer, Boolean>> inboundByIp;
  /** Clusters whose endpoints depend on the client's locality (localityLbSetting), by name. */
  private volatile Map<String, OutboundCluster> localityAware;
  private final Map<String, List<ClusterLoadAssignment>> endpointsByLocality = new ConcurrentHashMap<>();

  public ConfigGenerator(MeshSnapshot snapshot) {
    this.snapshot = snapshot;
    this.perNamespace = snapshot.viewNamespace().isEmpty() && snapshot.hasExportRestrictions();
  }

  public MeshSnapshot snapshot() {
    return snapshot;
  }

  public XdsResources generate(Proxy proxy) {
    if (perNamespace) {
      return views.computeIfAbsent(proxy.namespace(), ns -> new ConfigGenerator(snapshot.visibleTo(ns)))
          .generate(proxy);
    }
    shared();
    List<ClusterLoadAssignment> endpoints = endpointsFor(proxy.locality());
    List<Cluster> servable = SecretBuilder.servable(snapshot, proxy, clusters);
    if (servable.size() != clusters.size()) {
      Set<String> names = new HashSet<>();
      servable.forEach(c -> names.add(c.getName()));
      endpoints = endpoints.stream().filter(e -> names.contains(e.getClusterName())).toList();
    }
    if (proxy.type() == ProxyType.ROUTER) {
      List<Listener> listeners = ListenerBuilder.gateway(snapshot, proxy);
      return new XdsResources(servable, endpoints, listeners, RouteBuilder.gateway(snapshot, proxy),
          SecretBuilder.build(snapshot, proxy, servable, listeners));
    }
    Map<Integer, Boolean> inbound = inboundByIp.getOrDefault(proxy.ip(), Map.of());
    List<Listener> listeners = new ArrayList<>(ListenerBuilder.sidecar(snapshot, proxy));
    List<Cluster> all = new ArrayList<>(servable);
    all.addAll(InboundBuilder.clusters(inbound, snapshot.mesh()));
    listeners.add(InboundBuilder.virtualInbound(snapshot, inbound));
    return new XdsResources(all, endpoints, listeners, RouteBuilder.sidecar(snapshot, proxy),
        SecretBuilder.build(snapshot, proxy, all, listeners));
  }

  /** The endpoints as a client in {@code locality} sees them: the shared ones unless localityLbSetting applies. */
  private List<ClusterLoadAssignment> endpointsFor(String locality) {
    if (localityAware.isEmpty() || locality.isEmpty()) {
      return endpoints;
    }
    return endpointsByLocality.computeIfAbsent(locality, loc -> endpoints.stream().map(cla -> {
      OutboundCluster oc = localityAware.get(cla.getClusterName());
      return oc == null ? cla : LocalityLb.apply(cla, oc.policy().locality(), oc.policy().outlierDetection() != null,
          loc);
    }).toList());
  }

  /** The proxy-independent clusters and endpoints of this view, computed on first use. */
  private synchronized void shared() {
    if (clusters != null) {
      return;
    }
    List<OutboundCluster> outbound = OutboundCluster.all(snapshot);
    List<Cluster> all = new ArrayList<>(ClusterBuilder.outbound(outbound, snapshot.mesh()));
    all.addAll(ClusterBuilder.special(snapshot.mesh()));
    endpoints = EndpointBuilder.build(outbound);
    inboundByIp = InboundBuilder.byIp(snapshot);
    Map<String, OutboundCluster> aware = new TreeMap<>();
    outbound.stream().filter(oc -> oc.policy().locality() != null && oc.policy().locality().enabled())
        .forEach(oc -> aware.put(oc.name(), oc));
    localityAware = Map.copyOf(aware);
    clusters = List.copyOf(all);
  }
}
