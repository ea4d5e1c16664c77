package io.bosun.xds.status;

import java.util.List;

/**
 * What {@code bosunctl proxy-status} shows of one Bosun replica: its name and version and the sync
 * state of every proxy connected to it (served as JSON on {@code /debug/proxy-status}).
 *
 * @param bosun the replica's name (its pod's name in Kubernetes)
 * @param version Bosun's version
 * @param proxies every connected proxy, sorted by node id
 */
public record ProxyStatusReport(String bosun, String version, List<ProxySync> proxies) {

  public ProxyStatusReport {
    proxies = List.copyOf(proxies);
  }

  /** The report of {@code tracker} now. */
  public static ProxyStatusReport of(SyncTracker tracker, String bosun, String version) {
    return new ProxyStatusReport(bosun, version, tracker.snapshot());
  }
}
