package io.bosun.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Kind;
import io.bosun.monitoring.BuildInfo;
import io.bosun.monitoring.MetricNames;
import io.bosun.monitoring.MicrometerMetrics;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.push.PushController;
import io.bosun.resources.XdsResources;
import io.bosun.translate.EnvoyTypes;
import io.bosun.xds.XdsCache;
import io.bosun.xds.XdsServer;
import io.bosun.xds.status.ProxyStatusReport;
import io.bosun.xds.status.ProxySync;
import io.bosun.xds.status.SyncTracker;
import io.bosun.xds.status.TypeSync;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the monitoring port shows: the metrics read from the store, the xDS server and the push
 * controller, and the debug pages (config, sync state, registry, endpoints, streams, config dump, push status).
 */
final class DebugPages {
  private static final List<String> TYPES = List.of("CDS", "EDS", "LDS", "RDS", "SDS");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(EnvoyTypes.REGISTRY)
      .preservingProtoFieldNames().omittingInsignificantWhitespace();

  private final ConfigStore store;
  private final XdsServer xds;
  private final XdsCache cache;
  private final PushController push;

  DebugPages(Pipeline pipeline) {
    this.store = pipeline.store();
    this.xds = pipeline.xds();
    this.cache = pipeline.cache();
    this.push = pipeline.push();
  }

  /** Every debug page by name, for {@code /debug/NAME}. */
  Map<String, MonitoringServer.Page> all() {
    Map<String, MonitoringServer.Page> pages = new LinkedHashMap<>();
    pages.put("configz", q -> configz());
    pages.put("syncz", q -> syncz());
    pages.put("registryz", q -> registryz());
    pages.put("endpointz", q -> endpointz());
    pages.put("adsz", q -> adsz());
    pages.put("config_dump", q -> configDump(q.get("proxyID")));
    pages.put("push_status", q -> pushStatus());
    pages.put("proxy-status", q -> proxyStatus());
    return pages;
  }

  /** Registers the metrics read from the store, the xDS server and the push controller. */
  void bind(MicrometerMetrics m) {
    SyncTracker sync = xds.syncTracker();
    m.gauges(MetricNames.XDS, "Number of connected proxies, by type and version.", () -> {
      Map<Map<String, String>, Double> byType = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
      for (ProxySync p : sync.snapshot()) {
        String v = p.proxyVersion().isEmpty() ? "unknown" : p.proxyVersion();
        byType.merge(Map.of("type", proxyType(p.nodeId()), "version", v), 1.0, Double::sum);
      }
      return byType;
    });
    for (String t : TYPES) {
      Map<String, String> label = Map.of("type", t.toLowerCase(Locale.ROOT));
      m.counter(MetricNames.XDS_PUSHES, "xDS responses sent, by type.", label, () -> sync.pushes(t));
      m.counter(MetricNames.XDS_REJECTS, "xDS responses rejected (NACKed) by proxies, by type.", label,
          () -> sync.rejects(t));
    }
    m.counter(MetricNames.PUSHES, "Debounced config pushes.", Map.of(), push::pushes);
    m.counter(MetricNames.TRANSLATIONS, "Proxy-group translations.", Map.of(), push::translations);
    m.gauge(MetricNames.SERVICES, "Services known (Services and ServiceEntries).", Map.of(),
        () -> count(Kind.SERVICE) + count(Kind.SERVICE_ENTRY));
    m.gauge(MetricNames.VIRTUAL_SERVICES, "VirtualServices known.", Map.of(), () -> count(Kind.VIRTUAL_SERVICE));
    m.gauge(MetricNames.CONFIG_GENERATION, "Config store generation.", Map.of(), store::generation);
    for (Kind kind : Kind.values()) {
      m.gauge(MetricNames.CONFIG_RESOURCES, "Resources known, by kind.", Map.of("kind", kind.kindName()),
          () -> count(kind));
    }
    m.gauge(MetricNames.CONFIG_INVALID, "Resources whose latest version is invalid.", Map.of(),
        () -> store.entries().stream().filter(e -> !e.latestValid()).count());
    m.gauge(MetricNames.CONFIG_ERRORS, "Config errors currently reported.", Map.of(),
        () -> store.problems().stream().filter(ConfigError::isError).count());
  }

  private double count(Kind kind) {
    return store.entries().stream().filter(e -> e.ref().kind() == kind).count();
  }

  Object configz() {
    List<Object> resources = new ArrayList<>();
    for (ConfigStore.Entry e : store.entries()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("kind", e.ref().kind().kindName());
      r.put("namespace", e.ref().namespace());
      r.put("name", e.ref().name());
      r.put("source", e.source());
      r.put("status", e.latestValid() ? "SERVING" : e.serving() != null ? "INVALID (last valid version serving)"
          : "INVALID (not serving)");
      r.put("problems", e.problems().stream().map(ConfigError::toString).toList());
      resources.add(r);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("generation", store.generation());
    out.put("resources", resources);
    out.put("errors", store.problems().stream().filter(ConfigError::isError).map(ConfigError::toString).toList());
    out.put("warnings", store.problems().stream().filter(p -> !p.isError()).map(ConfigError::toString).toList());
    return out;
  }

  /** {@code bosunctl proxy-status}'s page: this replica, its version, every proxy's sync state. */
  Object proxyStatus() {
    return ProxyStatusReport.of(xds.syncTracker(), BuildInfo.replica(), BuildInfo.version());
  }

  /** Per proxy: its id, type, group, stream, and per xDS type the versions sent and acked and the last nonce. */
  Object syncz() {
    List<Object> proxies = new ArrayList<>();
    for (ProxySync p : xds.syncTracker().snapshot()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("proxy", p.nodeId());
      m.put("type", proxyType(p.nodeId()));
      m.put("group", p.group());
      m.put("stream", p.streamKind());
      for (TypeSync t : p.types()) {
        m.put(t.type(), typeSync(t, p.nonces().getOrDefault(t.type(), "")));
      }
      proxies.add(m);
    }
    return proxies;
  }

  private static Map<String, Object> typeSync(TypeSync t, String nonce) {
    Map<String, Object> tm = new LinkedHashMap<>();
    tm.put("state", t.state().toString());
    tm.put("sent", t.sentVersion());
    tm.put("acked", t.ackedVersion());
    tm.put("nonce", nonce);
    if (t.error() != null && !t.error().isEmpty()) {
      tm.put("error", t.error());
    }
    return tm;
  }

  /** Istio's proxy type: the first field of a {@code type~ip~id~domain} node id. */
  static String proxyType(String nodeId) {
    int tilde = nodeId.indexOf('~');
    return tilde > 0 ? nodeId.substring(0, tilde) : "unknown";
  }

  /** The services the config store knows: Kubernetes Services and ServiceEntries. */
  Object registryz() {
    List<Object> services = new ArrayList<>();
    for (ConfigStore.Entry e : store.entries()) {
      if (e.ref().kind() == Kind.SERVICE || e.ref().kind() == Kind.SERVICE_ENTRY) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", e.ref().kind().kindName());
        r.put("namespace", e.ref().namespace());
        r.put("name", e.ref().name());
        r.put("source", e.source());
        r.put("serving", e.serving() != null);
        services.add(r);
      }
    }
    return services;
  }

  /** The endpoints served, by cluster (Istio's {@code outbound|port||host}), across every connected group. */
  Object endpointz() {
    Map<String, Set<String>> byCluster = new TreeMap<>();
    for (String group : cache.connectedGroups()) {
      cache.resources(group).ifPresent(r -> r.endpoints().forEach(cla -> {
        Set<String> out = byCluster.computeIfAbsent(cla.getClusterName(), c -> new TreeSet<>());
        cla.getEndpointsList().forEach(locality -> locality.getLbEndpointsList().forEach(lb -> {
          SocketAddress address = lb.getEndpoint().getAddress().getSocketAddress();
          out.add(address.getAddress() + ":" + address.getPortValue() + " " + lb.getHealthStatus());
        }));
      }));
    }
    return byCluster;
  }

  /** Every open xDS stream: its id, the proxy, its group and kind (ADS or one type), what it was sent. */
  Object adsz() {
    List<Object> streams = new ArrayList<>();
    xds.syncTracker().streams().forEach((id, p) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stream", id);
      m.put("proxy", p.nodeId());
      m.put("group", p.group());
      m.put("kind", p.streamKind());
      m.put("sent", p.types().stream().filter(t -> !t.sentVersion().isEmpty()).map(TypeSync::type).toList());
      streams.add(m);
    });
    return streams;
  }

  /**
   * The xDS resources Bosun serves one proxy, as Envoy's JSON. Secrets show their names only:
   * their keys stay out of debug pages.
   */
  Object configDump(String proxyId) {
    if (proxyId == null || proxyId.isEmpty()) {
      return Map.of("error", "give ?proxyID= one of the proxies on /debug/syncz");
    }
    Optional<ProxySync> proxy = xds.syncTracker().snapshot().stream().filter(p -> p.nodeId().equals(proxyId))
        .findFirst();
    Optional<XdsResources> resources = proxy.flatMap(p -> cache.resources(p.group()));
    if (resources.isEmpty()) {
      return Map.of("error", "no connected proxy " + proxyId + " (see /debug/syncz)");
    }
    XdsResources r = resources.get();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("proxy", proxyId);
    out.put("group", proxy.get().group());
    out.put("clusters", json(r.clusters()));
    out.put("endpoints", json(r.endpoints()));
    out.put("listeners", json(r.listeners()));
    out.put("routes", json(r.routes()));
    out.put("secrets", r.secrets().stream().map(s -> s.getName()).toList());
    return out;
  }

  private static List<JsonNode> json(List<? extends Message> messages) {
    List<JsonNode> out = new ArrayList<>(messages.size());
    for (Message m : messages) {
      try {
        out.add(JSON.readTree(PRINTER.print(m)));
      } catch (IOException e) {
        out.add(JSON.getNodeFactory().textNode("cannot print: " + e.getMessage()));
      }
    }
    return out;
  }

  /** The last push: when, how long, what triggered it, how many proxy groups it served. */
  Object pushStatus() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("pushes", push.pushes());
    push.lastPush().ifPresent(p -> {
      out.put("time", p.time().toString());
      out.put("durationSeconds", p.duration().toNanos() / 1e9);
      out.put("triggers", p.triggers());
      out.put("proxyGroups", p.proxyGroups());
      out.put("connectedProxies", xds.syncTracker().connectedProxies());
      out.put("generation", p.generation());
    });
    return out;
  }
}
