package io.bosun.runtime;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.monitoring.Metrics;
import io.bosun.push.PushController;
import io.bosun.xds.XdsServer;
import io.bosun.xds.status.ProxyStatusReport;
import io.bosun.xds.status.ProxySync;
import io.bosun.xds.status.SyncTracker;
import io.bosun.xds.status.TypeSync;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What the monitoring port shows: metrics, the accepted/rejected config, per-proxy sync state. */
final class DebugPages {
  private static final List<String> TYPES = List.of("CDS", "EDS", "LDS", "RDS", "SDS");

  private final ConfigStore store;
  private final XdsServer xds;
  private final PushController push;

  DebugPages(ConfigStore store, XdsServer xds, PushController push) {
    this.store = store;
    this.xds = xds;
    this.push = push;
  }

  String metrics() {
    SyncTracker sync = xds.syncTracker();
    Map<Map<String, String>, Double> pushes = new LinkedHashMap<>();
    Map<Map<String, String>, Double> rejects = new LinkedHashMap<>();
    for (String t : TYPES) {
      Map<String, String> label = Map.of("type", t.toLowerCase(Locale.ROOT));
      pushes.put(label, (double) sync.pushes(t));
      rejects.put(label, (double) sync.rejects(t));
    }
    Map<Map<String, String>, Double> byKind = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    long invalid = 0;
    for (ConfigStore.Entry e : store.entries()) {
      byKind.merge(Map.of("kind", e.ref().kind().kindName()), 1.0, Double::sum);
      if (!e.latestValid()) {
        invalid++;
      }
    }
    return new Metrics()
        .gauge("pilot_xds", "Number of connected proxies.", sync.connectedProxies())
        .family("pilot_xds_pushes", "xDS responses sent, by type.", "counter", pushes)
        .family("pilot_total_xds_rejects", "xDS responses rejected (NACKed) by proxies, by type.", "counter", rejects)
        .counter("bosun_push_total", "Debounced config pushes.", push.pushes())
        .counter("bosun_translations_total", "Proxy-group translations.", push.translations())
        .gauge("bosun_config_generation", "Config store generation.", store.generation())
        .family("bosun_config_resources", "Resources known, by kind.", "gauge", byKind)
        .gauge("bosun_config_invalid_resources", "Resources whose latest version is invalid.", invalid)
        .gauge("bosun_config_errors", "Config errors currently reported.",
            store.problems().stream().filter(ConfigError::isError).count())
        .toString();
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
    return ProxyStatusReport.of(xds.syncTracker(), replica(), version());
  }

  /** The pod's name in Kubernetes (the chart sets POD_NAME), else the host's name. */
  static String replica() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "bosun";
    }
  }

  static String version() {
    String v = DebugPages.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  Object syncz() {
    List<Object> proxies = new ArrayList<>();
    for (ProxySync p : xds.syncTracker().snapshot()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("proxy", p.nodeId());
      m.put("group", p.group());
      m.put("stream", p.streamKind());
      for (TypeSync t : p.types()) {
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("state", t.state().toString());
        tm.put("sent", t.sentVersion());
        tm.put("acked", t.ackedVersion());
        if (t.error() != null) {
          tm.put("error", t.error());
        }
        m.put(t.type(), tm);
      }
      proxies.add(m);
    }
    return proxies;
  }
}
