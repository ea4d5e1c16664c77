package io.bosun.translate;

import io.bosun.model.L4Route;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.model.SecurityPolicies;
import io.bosun.model.Sidecar;
import io.bosun.model.VirtualService;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Translates one {@link MeshSnapshot} for any number of proxies. Work that does not depend on
 * the proxy (outbound clusters and endpoints) is done once per view of the mesh: once in all when
 * everything is exported everywhere, else once per proxy namespace (exportTo). Proxies that
 * translation cannot tell apart (see {@link #asSeen}) share one translation and one result
 * object, so thousands of sidecars cost as much as their distinct variants. Pure: no I/O, same
 * input gives equal output.
 */
public final class ConfigGenerator {
  private final MeshSnapshot snapshot;
  private final boolean perNamespace;
  private final Map<String, ConfigGenerator> views = new ConcurrentHashMap<>();
  /** By Sidecar resource and workload namespace: the mesh as the sidecars it applies to see it. */
  private final Map<String, ConfigGenerator> scoped = new ConcurrentHashMap<>();
  private volatile List<Cluster> clusters;
  private volatile List<ClusterLoadAssignment> endpoints;
  /** {@link #clusters} for proxies without a workload certificate (no mutual TLS). */
  private volatile List<Cluster> uncertified;
  private volatile Map<String, Map<Integer, InboundBuilder.InboundPort>> inboundByIp;
  /** Clusters whose endpoints depend on the client's locality (localityLbSetting), by name. */
  private volatile Map<String, OutboundCluster> localityAware;
  private final Map<String, List<ClusterLoadAssignment>> endpointsByLocality = new ConcurrentHashMap<>();
  /**
   * Label keys some VirtualService's sourceLabels or some security policy's selector names: the
   * only labels a sidecar's config depends on.
   */
  private volatile Set<String> sourceLabelKeys;
  private volatile MeshRoutes meshRoutes;
  private final Map<Variant, XdsResources> byVariant = new ConcurrentHashMap<>();

  /** What a proxy's translation depends on, and nothing more. */
  private record Variant(Proxy seen, Map<Integer, InboundBuilder.InboundPort> inbound) {
  }

  /**
   * The generator of the generation before, while this one has not finished its shared work: its
   * unchanged endpoint assignments are reused (the same instances, so that comparing them later is
   * cheap) and, when only endpoints changed, its clusters, listeners and routes too.
   */
  private volatile ConfigGenerator previous;
  /** Whether {@link #previous} differs from this generation in endpoints only. */
  private final boolean endpointsOnly;

  public ConfigGenerator(MeshSnapshot snapshot) {
    this(snapshot, null);
  }

  /** A generator for {@code snapshot} that reuses what it can of {@code previous} (the generation before). */
  public ConfigGenerator(MeshSnapshot snapshot, ConfigGenerator previous) {
    this.snapshot = snapshot;
    this.perNamespace = snapshot.viewNamespace().isEmpty() && snapshot.hasExportRestrictions();
    if (previous != null) {
      previous.previous = null; // keep one generation back, never a chain
    }
    this.previous = previous;
    this.endpointsOnly = previous != null && previous.perNamespace == perNamespace
        && Generations.endpointsOnly(previous.snapshot, snapshot);
  }

  /** Whether this generation reuses the last one's clusters, listeners and routes (only endpoints changed). */
  public boolean endpointsOnly() {
    return endpointsOnly;
  }

  public MeshSnapshot snapshot() {
    return snapshot;
  }

  public XdsResources generate(Proxy proxy) {
    if (perNamespace) {
      ConfigGenerator before = previous;
      return views.computeIfAbsent(proxy.namespace(), ns -> new ConfigGenerator(snapshot.visibleTo(ns),
          before == null ? null : before.views.get(ns))).generate(proxy);
    }
    shared();
    Map<Integer, InboundBuilder.InboundPort> inbound = proxy.type() == ProxyType.SIDECAR
        ? inboundByIp.getOrDefault(proxy.ip(), Map.of()) : Map.of();
    Optional<Sidecar> sidecar = proxy.type() == ProxyType.SIDECAR
        ? snapshot.sidecarFor(proxy.namespace(), proxy.labels()) : Optional.empty();
    if (sidecar.isPresent()) {
      if (!sidecar.get().ingress().isEmpty()) {
        inbound = InboundBuilder.ports(sidecar.get()); // its ingress listeners replace the Services' ports
      }
      // otherwise its inbound side stays what the whole mesh says: egress imports do not change it
      ConfigGenerator before = previous;
      String key = sidecar.get().ref() + "@" + proxy.namespace();
      return scoped.computeIfAbsent(key, k -> new ConfigGenerator(snapshot.scopedBy(sidecar.get(), proxy.namespace()),
          before == null ? null : before.scoped.get(k))).generate(proxy, inbound);
    }
    return generate(proxy, inbound);
  }

  private XdsResources generate(Proxy proxy, Map<Integer, InboundBuilder.InboundPort> inbound) {
    shared();
    return byVariant.computeIfAbsent(new Variant(asSeen(proxy), inbound), v -> translate(v.seen(), v.inbound()));
  }

  /** How many distinct translations this generator has made (in its views too). */
  public int variants() {
    return byVariant.size() + views.values().stream().mapToInt(ConfigGenerator::variants).sum()
        + scoped.values().stream().mapToInt(ConfigGenerator::variants).sum();
  }

  /**
   * The proxy as translation sees it: type, namespace, whether it may have Secrets, whether it has
   * a workload certificate, and only those labels (sourceLabels, policy selectors) and that
   * locality (locality load balancing) that some config makes matter. Its IP matters only through
   * its inbound ports, which are part of the variant. A gateway keeps all its labels (Gateway
   * selectors), but there are few gateways.
   */
  private Proxy asSeen(Proxy proxy) {
    Map<String, String> labels = proxy.labels();
    if (proxy.type() == ProxyType.SIDECAR) {
      labels = new TreeMap<>(labels);
      labels.keySet().retainAll(sourceLabelKeys);
    }
    String locality = localityAware.isEmpty() ? "" : proxy.locality();
    return new Proxy("", proxy.type(), "", "", proxy.namespace(), labels, locality, "", proxy.secretAccess(),
        proxy.meshCertificate());
  }

  private XdsResources translate(Proxy proxy, Map<Integer, InboundBuilder.InboundPort> inbound) {
    ConfigGenerator before = previous;
    XdsResources reusable = endpointsOnly && before != null ? before.byVariant.get(new Variant(proxy, inbound)) : null;
    if (reusable != null) {
      // only endpoints changed: the same clusters, listeners and routes, this generation's assignments
      Set<String> clusterNames = new HashSet<>();
      reusable.clusters().forEach(c -> clusterNames.add(c.getName()));
      return reusable.withEndpoints(endpointsFor(proxy.locality()).stream()
          .filter(e -> clusterNames.contains(e.getClusterName())).toList());
    }
    List<ClusterLoadAssignment> endpoints = endpointsFor(proxy.locality());
    List<Cluster> usable = proxy.meshCertificate() ? clusters : withoutCertificate();
    List<Cluster> jwks = JwtAuthn.clusters(snapshot.security().requestAuthenticationFor(proxy.namespace(),
        proxy.labels()), snapshot);
    if (!jwks.isEmpty()) {
      usable = new ArrayList<>(usable);
      usable.addAll(jwks);
    }
    List<Cluster> servable = SecretBuilder.servable(snapshot, proxy, usable);
    if (servable.size() != clusters.size() || usable != clusters) {
      Set<String> names = new HashSet<>();
      servable.forEach(c -> names.add(c.getName()));
      endpoints = endpoints.stream().filter(e -> names.contains(e.getClusterName())).toList();
    }
    if (proxy.type() == ProxyType.ROUTER) {
      List<Listener> listeners = ListenerBuilder.gateway(snapshot, proxy);
      return new XdsResources(servable, endpoints, listeners, RouteBuilder.gateway(snapshot, proxy),
          SecretBuilder.build(snapshot, proxy, servable, listeners));
    }
    List<Listener> listeners = new ArrayList<>(ListenerBuilder.sidecar(snapshot, proxy));
    List<Cluster> all = new ArrayList<>(servable);
    all.addAll(InboundBuilder.clusters(inbound, snapshot.mesh()));
    listeners.add(InboundBuilder.virtualInbound(snapshot, inbound, proxy));
    return new XdsResources(all, endpoints, listeners, RouteBuilder.sidecar(snapshot, proxy, meshRoutes),
        SecretBuilder.build(snapshot, proxy, all, listeners));
  }

  /** The clusters as a proxy without a workload certificate can use them, computed on first use. */
  private List<Cluster> withoutCertificate() {
    List<Cluster> out = uncertified;
    if (out == null) {
      out = MeshTls.withoutCertificate(clusters);
      uncertified = out;
    }
    return out;
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
    ConfigGenerator before = previous;
    if (before != null && before.clusters == null) {
      before = null; // it never translated anything: nothing to take over
    }
    List<Cluster> all;
    if (endpointsOnly && before != null) {
      all = before.clusters;
      uncertified = before.uncertified;
    } else {
      all = new ArrayList<>(ClusterBuilder.outbound(outbound, snapshot.mesh()));
      all.addAll(ClusterBuilder.special(snapshot.mesh()));
    }
    List<ClusterLoadAssignment> assignments = EndpointBuilder.build(outbound, snapshot.security());
    endpoints = before == null ? assignments : Generations.keepUnchanged(assignments, before.endpoints);
    inboundByIp = InboundBuilder.byIp(snapshot);
    Map<String, OutboundCluster> aware = new TreeMap<>();
    outbound.stream().filter(oc -> oc.policy().locality() != null && oc.policy().locality().enabled())
        .forEach(oc -> aware.put(oc.name(), oc));
    localityAware = Map.copyOf(aware);
    sourceLabelKeys = sourceLabelKeys(snapshot);
    meshRoutes = new MeshRoutes(snapshot);
    clusters = List.copyOf(all);
  }

  private static Set<String> sourceLabelKeys(MeshSnapshot snapshot) {
    Set<String> keys = new HashSet<>();
    for (VirtualService vs : snapshot.virtualServices()) {
      vs.http().forEach(r -> r.matches().forEach(m -> keys.addAll(m.sourceLabels().keySet())));
      for (L4Route r : vs.tcp()) {
        r.matches().forEach(m -> keys.addAll(m.sourceLabels().keySet()));
      }
      for (L4Route r : vs.tls()) {
        r.matches().forEach(m -> keys.addAll(m.sourceLabels().keySet()));
      }
    }
    // the security policies that select workloads by label shape their inbound side
    SecurityPolicies security = snapshot.security();
    security.peerAuthentications().stream().filter(p -> p.selector() != null)
        .forEach(p -> keys.addAll(p.selector().keySet()));
    security.authorizationPolicies().stream().filter(p -> p.selector() != null)
        .forEach(p -> keys.addAll(p.selector().keySet()));
    security.requestAuthentications().stream().filter(p -> p.selector() != null)
        .forEach(p -> keys.addAll(p.selector().keySet()));
    return Set.copyOf(keys);
  }
}
