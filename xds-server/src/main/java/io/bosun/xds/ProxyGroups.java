package io.bosun.xds;

import io.bosun.logging.LogSafe;
import io.bosun.resources.XdsResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which groups have open streams, what each group was last given, and the cache holding it.
 * One lock covers stream counting, publishing and clearing so that a group is never cleared
 * while a stream of it is being registered. SimpleCache.setSnapshot is itself globally
 * synchronized, so this lock costs no extra parallelism.
 */
final class ProxyGroups {

  private static final Logger log = LoggerFactory.getLogger(ProxyGroups.class);

  private record Published(XdsResources resources, Snapshot snapshot) {}

  private final SimpleCache<String> cache;
  private final SharedSnapshots snapshots = new SharedSnapshots();
  private final Map<String, Integer> openStreams = new HashMap<>();
  /** Streams by principal and group, to bound how many groups one principal can make us compute. */
  private final Map<String, Map<String, Integer>> byPrincipal = new HashMap<>();

  /** What opening a stream did. */
  enum Opened {
    /** the group had no resources yet: fire the NewGroupListener */
    NEW,
    EXISTING,
    /** refused: the principal already holds streams of as many groups as it may */
    OVER_LIMIT
  }
  private final Set<String> announced = new HashSet<>();
  private final Map<String, Published> published = new HashMap<>();

  ProxyGroups(SimpleCache<String> cache) {
    this.cache = cache;
  }

  /**
   * Counts a new stream of the group for {@code principal}, unless that would give the principal
   * more than {@code maxGroups} distinct groups. {@link Opened#NEW} comes exactly once per group
   * lifetime when it has no resources yet, i.e. when the caller should fire the NewGroupListener.
   */
  synchronized Opened streamOpened(String group, String principal, int maxGroups) {
    Map<String, Integer> mine = byPrincipal.computeIfAbsent(principal, p -> new HashMap<>());
    if (!mine.containsKey(group) && mine.size() >= maxGroups) {
      if (mine.isEmpty()) {
        byPrincipal.remove(principal);
      }
      return Opened.OVER_LIMIT;
    }
    mine.merge(group, 1, Integer::sum);
    openStreams.merge(group, 1, Integer::sum);
    return !published.containsKey(group) && announced.add(group) ? Opened.NEW : Opened.EXISTING;
  }

  /** Lets the next stream of the group announce it again, since the listener failed. */
  synchronized void announceFailed(String group) {
    announced.remove(group);
  }

  /** When the group's last stream closes, forget it so a reconnect recomputes it from scratch. */
  synchronized void streamClosed(String group, String principal) {
    Map<String, Integer> mine = byPrincipal.get(principal);
    if (mine != null) {
      Integer n = mine.get(group);
      if (n != null && n > 1) {
        mine.put(group, n - 1);
      } else {
        mine.remove(group);
        if (mine.isEmpty()) {
          byPrincipal.remove(principal);
        }
      }
    }
    Integer open = openStreams.get(group);
    if (open == null) {
      return;
    }
    if (open > 1) {
      openStreams.put(group, open - 1);
      return;
    }
    openStreams.remove(group);
    announced.remove(group);
    Published gone = published.remove(group);
    // The closing stream's watches are already cancelled, so the cache accepts the clear.
    if (!cache.clearSnapshot(group)) {
      log.warn("group {} still had cache watches after its last stream closed", LogSafe.escape(group));
    }
    if (gone != null) {
      snapshots.release(gone.snapshot());
    }
    log.debug("group {} has no streams left, cleared", LogSafe.escape(group));
  }

  /** Publishes resources unless every type's version is unchanged; returns whether it did. */
  synchronized boolean publish(String group, XdsResources resources) {
    Published previous = published.get(group);
    if (previous != null && sameVersions(previous.resources(), resources)) {
      return false;
    }
    Snapshot next = snapshots.acquire(resources);
    published.put(group, new Published(resources, next));
    cache.setSnapshot(group, next);
    if (previous != null) {
      snapshots.release(previous.snapshot());
    }
    log.debug("group {} published CDS {} EDS {} LDS {} RDS {} SDS {}", LogSafe.escape(group),
        next.clusters().version(), next.endpoints().version(),
        next.listeners().version(), next.routes().version(), next.secrets().version());
    return true;
  }

  synchronized Optional<XdsResources> resources(String group) {
    return Optional.ofNullable(published.get(group)).map(Published::resources);
  }

  synchronized Set<String> connected() {
    return Set.copyOf(openStreams.keySet());
  }

  /** Per-type resource maps held for all groups together (for tests and metrics). */
  synchronized int sharedMaps() {
    return snapshots.maps();
  }

  private static boolean sameVersions(XdsResources a, XdsResources b) {
    return a == b || a.clustersVersion().equals(b.clustersVersion())
        && a.endpointsVersion().equals(b.endpointsVersion())
        && a.listenersVersion().equals(b.listenersVersion())
        && a.routesVersion().equals(b.routesVersion())
        // a renewed certificate or a rotated credentialName Secret changes nothing else
        && a.secretsVersion().equals(b.secretsVersion());
  }
}
