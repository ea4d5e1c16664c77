package io.bosun.config;

import io.bosun.logging.LogContext;
import io.bosun.logging.LogSafe;
import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.DestinationRule;
import io.bosun.model.EndpointSlice;
import io.bosun.model.Gateway;
import io.bosun.model.Kind;
import io.bosun.model.KubeService;
import io.bosun.model.Localities;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshResource;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.NodeInfo;
import io.bosun.model.PeerAuthentication;
import io.bosun.model.PodInfo;
import io.bosun.model.RequestAuthentication;
import io.bosun.model.ResourceRef;
import io.bosun.model.SecurityPolicies;
import io.bosun.model.ServiceEntry;
import io.bosun.model.ServiceRegistry;
import io.bosun.model.Sidecar;
import io.bosun.model.TlsSecret;
import io.bosun.model.VirtualService;
import io.bosun.model.WorkloadEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepted configuration. A resource whose new version is invalid keeps serving its last
 * valid version (and is reported) until it is fixed or deleted; nothing invalid is ever stored.
 */
public final class ConfigStore {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);

  /** One resource as the store sees it: what serves, and what is wrong with its latest version. */
  public record Entry(ResourceRef ref, String source, MeshResource serving, boolean latestValid,
      List<ConfigError> problems) {
  }

  private final Map<ResourceRef, Entry> entries = new TreeMap<>();
  /** Warnings that depend on other resources (delegation), recomputed on every change. */
  private Map<ResourceRef, List<ConfigError>> crossChecks = Map.of();
  private List<ConfigError> unattributed = List.of();
  private final Set<String> logged = new HashSet<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private long generation;

  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  /**
   * Replaces everything with the given conversions (a full re-read of a source). When one
   * resource is defined twice, the definition already serving keeps serving and the newcomer is
   * refused and blamed (finding 10); between two new definitions, the first in order wins.
   */
  public void replaceAll(List<Conversion> conversions, List<ConfigError> otherProblems) {
    synchronized (this) {
      Map<ResourceRef, List<Conversion>> byRef = new LinkedHashMap<>();
      for (Conversion c : conversions) {
        byRef.computeIfAbsent(c.ref(), r -> new ArrayList<>()).add(c);
      }
      Map<ResourceRef, Entry> next = new TreeMap<>();
      List<ConfigError> extra = new ArrayList<>(otherProblems);
      for (Map.Entry<ResourceRef, List<Conversion>> e : byRef.entrySet()) {
        List<Conversion> defs = e.getValue();
        Entry previous = entries.get(e.getKey());
        Conversion chosen = defs.get(0);
        if (defs.size() > 1 && previous != null) {
          chosen = defs.stream().filter(c -> c.source().equals(previous.source())).findFirst().orElse(chosen);
        }
        for (Conversion c : defs) {
          if (c != chosen) {
            extra.add(ConfigError.error(c.source(), c.ref(), "metadata.name", "defined more than once: refused;"
                + " the definition in " + chosen.source() + " keeps serving"));
          }
        }
        next.put(e.getKey(), entryFor(chosen, previous));
      }
      entries.clear();
      entries.putAll(next);
      unattributed = List.copyOf(extra);
      changed();
    }
    listeners.forEach(Runnable::run);
  }

  /** Adds or replaces one resource (a watch event); an invalid new version keeps the old one serving. */
  public void put(Conversion c) {
    synchronized (this) {
      Entry next = entryFor(c, entries.get(c.ref()));
      if (next.equals(entries.get(c.ref()))) {
        return; // e.g. a resync: nothing changed, nothing to push
      }
      entries.put(c.ref(), next);
      changed();
    }
    listeners.forEach(Runnable::run);
  }

  /** Removes one resource (a delete event). */
  public void remove(ResourceRef ref) {
    synchronized (this) {
      if (entries.remove(ref) == null) {
        return;
      }
      changed();
    }
    listeners.forEach(Runnable::run);
  }

  /** The entry for one resource, if the store has it. */
  public synchronized Optional<Entry> entry(ResourceRef ref) {
    return Optional.ofNullable(entries.get(ref)).map(this::withCrossChecks);
  }

  /** The entry with the warnings that depend on other resources appended to its own problems. */
  private Entry withCrossChecks(Entry e) {
    List<ConfigError> extra = crossChecks.getOrDefault(e.ref(), List.of());
    if (extra.isEmpty()) {
      return e;
    }
    List<ConfigError> all = new ArrayList<>(e.problems());
    all.addAll(extra);
    return new Entry(e.ref(), e.source(), e.serving(), e.latestValid(), List.copyOf(all));
  }

  private static Entry entryFor(Conversion c, Entry previous) {
    if (c.valid()) {
      return new Entry(c.ref(), c.source(), c.value(), true, c.problems());
    }
    MeshResource keep = previous != null ? previous.serving() : null;
    return new Entry(c.ref(), c.source(), keep, false, c.problems());
  }

  /** Caller holds the lock: a new generation, its cross-resource checks, its new problems logged. */
  private void changed() {
    generation++;
    crossChecks = DelegateChecks.check(entries.values());
    logNewProblems();
  }

  @SuppressWarnings("try") // the scope is there to be closed
  private void logNewProblems() {
    Set<String> now = new HashSet<>();
    for (ConfigError e : problems()) {
      String line = e.toString();
      now.add(line);
      if (!logged.contains(line)) {
        try (LogContext.Scope resource = LogContext.resource(e.ref())) {
          if (e.isError()) {
            Entry entry = e.ref() == null ? null : entries.get(e.ref());
            // only where this very source's last valid version serves (not another file's definition)
            String keeping = entry != null && entry.serving() != null && entry.source().equals(e.source())
                ? " (last valid version keeps serving)" : "";
            LOG.warn("rejected: {}{}", LogSafe.escape(line), keeping);
          } else {
            LOG.info("warning: {}", LogSafe.escape(line));
          }
        }
      }
    }
    logged.retainAll(now);
    logged.addAll(now);
  }

  public synchronized long generation() {
    return generation;
  }

  public synchronized List<Entry> entries() {
    return entries.values().stream().map(this::withCrossChecks).toList();
  }

  /** Every error and warning, resource ones first in resource order. */
  public synchronized List<ConfigError> problems() {
    List<ConfigError> all = new ArrayList<>();
    entries.values().forEach(e -> all.addAll(withCrossChecks(e).problems()));
    all.addAll(unattributed);
    return all;
  }

  /**
   * The locality of pod {@code namespace/name} as the store holds it now (its override label, else
   * its node's), or empty: what a connecting sidecar's locality is, before any push has run.
   */
  public synchronized String podLocality(String namespace, String name) {
    Entry e = entries.get(new ResourceRef(Kind.POD, namespace, name));
    if (e == null || !(e.serving() instanceof PodInfo pod)) {
      return "";
    }
    Entry n = pod.nodeName().isEmpty() ? null : entries.get(new ResourceRef(Kind.NODE, "", pod.nodeName()));
    String node = n != null && n.serving() instanceof NodeInfo info ? info.locality() : "";
    return Localities.ofPod(pod.labels(), node, "");
  }

  /** Pod {@code namespace/name} as the store holds it now, if it does. */
  public synchronized Optional<PodInfo> pod(String namespace, String name) {
    Entry e = entries.get(new ResourceRef(Kind.POD, namespace, name));
    return e != null && e.serving() instanceof PodInfo pod ? Optional.of(pod) : Optional.empty();
  }

  public synchronized Optional<WorkloadEntry> workloadEntry(String namespace, String name) {
    Entry e = entries.get(new ResourceRef(Kind.WORKLOAD_ENTRY, namespace, name));
    return e != null && e.serving() instanceof WorkloadEntry we ? Optional.of(we) : Optional.empty();
  }

  /** The mesh config serving now (Istio's defaults when there is none). */
  public synchronized MeshConfig mesh() {
    return entries.values().stream().map(Entry::serving).filter(MeshConfig.class::isInstance)
        .map(MeshConfig.class::cast).findFirst().orElse(MeshConfig.DEFAULT);
  }

  public synchronized MeshSnapshot snapshot() {
    Map<Class<?>, List<MeshResource>> byType = new LinkedHashMap<>();
    for (Entry e : entries.values()) {
      if (e.serving() != null) {
        byType.computeIfAbsent(e.serving().getClass(), k -> new ArrayList<>()).add(e.serving());
      }
    }
    ServiceRegistry registry = ServiceRegistry.build(of(byType, KubeService.class), of(byType, EndpointSlice.class),
        of(byType, PodInfo.class), of(byType, NodeInfo.class), of(byType, ServiceEntry.class),
        of(byType, WorkloadEntry.class));
    // one mesh config is expected; if several namespaces hold one (standalone), the first in order wins
    MeshConfig mesh = of(byType, MeshConfig.class).stream().findFirst().orElse(MeshConfig.DEFAULT);
    SecurityPolicies security = new SecurityPolicies(of(byType, PeerAuthentication.class),
        of(byType, AuthorizationPolicy.class), of(byType, RequestAuthentication.class));
    return new MeshSnapshot(registry, of(byType, VirtualService.class), of(byType, DestinationRule.class),
        of(byType, Gateway.class), mesh, of(byType, TlsSecret.class), "", of(byType, Sidecar.class), security);
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> of(Map<Class<?>, List<MeshResource>> byType, Class<T> type) {
    return (List<T>) (List<?>) byType.getOrDefault(type, List.of());
  }
}
