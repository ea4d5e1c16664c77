package io.bosun.config;

import io.bosun.model.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLB;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpCookie;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpHeaderName;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBHttpQueryParameterName;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBMaglev;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettingsConsistentHashLBUseSourceIp;
import io.fabric8.istio.api.api.networking.v1alpha3.OutlierDetection;
import java.time.Duration;

/** DestinationRule policy parts (already checked by {@link PolicyChecks}) to the model. */
final class TrafficPolicies {
  private TrafficPolicies() {
  }

  static TrafficPolicy.ConnectionPool pool(ConnectionPoolSettings c) {
    if (c == null) {
      return null;
    }
    var tcp = c.getTcp();
    var http = c.getHttp();
    return new TrafficPolicy.ConnectionPool(
        tcp == null ? null : tcp.getMaxConnections(),
        tcp == null ? null : Durations.parse(tcp.getConnectTimeout()),
        http == null ? null : http.getHttp1MaxPendingRequests(),
        http == null ? null : http.getHttp2MaxRequests(),
        http == null ? null : http.getMaxRequestsPerConnection(),
        http == null ? null : http.getMaxRetries(),
        http == null ? null : Durations.parse(http.getIdleTimeout()),
        TrafficPolicyChecks.keepAlive(http));
  }

  static TrafficPolicy.OutlierDetection outlier(OutlierDetection o) {
    if (o == null) {
      return null;
    }
    Integer fiveXx = o.getConsecutive5xxErrors() != null ? o.getConsecutive5xxErrors() : o.getConsecutiveErrors();
    return new TrafficPolicy.OutlierDetection(fiveXx, o.getConsecutiveGatewayErrors(), Durations.parse(o.getInterval()),
        Durations.parse(o.getBaseEjectionTime()), o.getMaxEjectionPercent(), o.getMinHealthPercent());
  }

  static final long MAX_RING_SIZE = 8_388_608;

  static TrafficPolicy.ConsistentHash hash(LoadBalancerSettingsConsistentHashLB h, String field, Problems problems) {
    Object key = h.getHashKey();
    long ring = h.getMinimumRingSize() == null ? 0 : h.getMinimumRingSize();
    if (ring < 0) {
      problems.error(field + ".minimumRingSize", "must not be negative");
    } else if (ring > MAX_RING_SIZE) {
      // Envoy rejects the whole cluster above this
      problems.warning(field + ".minimumRingSize", "is above Envoy's limit; " + MAX_RING_SIZE + " is used");
      ring = MAX_RING_SIZE;
    }
    if (ring != 0 && h.getHashAlgorithm() != null) {
      problems.error(field, "minimumRingSize cannot be combined with maglev or ringHash");
    }
    boolean maglev = h.getHashAlgorithm() instanceof LoadBalancerSettingsConsistentHashLBMaglev;
    if (h.getHashAlgorithm() instanceof LoadBalancerSettingsConsistentHashLBMaglev m) {
      maglevTable(m.getMaglev() == null || m.getMaglev().getTableSize() == null ? 0 : m.getMaglev().getTableSize(),
          field + ".maglev.tableSize", problems);
    }
    if (h.getHashAlgorithm() instanceof io.fabric8.istio.api.api.networking.v1alpha3
        .LoadBalancerSettingsConsistentHashLBRingHash) {
      // fabric8 7.5 types ringHash as its own oneof wrapper, so minimumRingSize is dropped while parsing
      problems.warning(field + ".ringHash.minimumRingSize", "cannot be read by this Bosun release yet; Envoy's default"
          + " ring size is used (the deprecated consistentHash.minimumRingSize works)");
    }
    if (key instanceof LoadBalancerSettingsConsistentHashLBHttpHeaderName n && notEmpty(n.getHttpHeaderName())) {
      return new TrafficPolicy.ConsistentHash(n.getHttpHeaderName(), null, null, null, false, null, ring, maglev);
    }
    if (key instanceof LoadBalancerSettingsConsistentHashLBHttpCookie c && c.getHttpCookie() != null) {
      var cookie = c.getHttpCookie();
      if (!notEmpty(cookie.getName())) {
        problems.error(field + ".httpCookie.name", "cookie name is required");
        return null;
      }
      Duration ttl = cookie.getTtl() == null ? null : Durations.parse(cookie.getTtl());
      if (cookie.getTtl() != null && ttl == null) {
        problems.error(field + ".httpCookie.ttl", "invalid duration \"" + cookie.getTtl() + "\"");
      }
      return new TrafficPolicy.ConsistentHash(null, cookie.getName(), cookie.getPath(), ttl, false, null, ring, maglev);
    }
    if (key instanceof LoadBalancerSettingsConsistentHashLBUseSourceIp ip && Boolean.TRUE.equals(ip.getUseSourceIp())) {
      return new TrafficPolicy.ConsistentHash(null, null, null, null, true, null, ring, maglev);
    }
    if (key instanceof LoadBalancerSettingsConsistentHashLBHttpQueryParameterName q
        && notEmpty(q.getHttpQueryParameterName())) {
      return new TrafficPolicy.ConsistentHash(null, null, null, null, false, q.getHttpQueryParameterName(), ring,
          maglev);
    }
    problems.error(field, "one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName is required");
    return null;
  }

  /** Envoy's (and Istio's) maglev table: a prime below 5000011; Bosun leaves Envoy's default size. */
  private static void maglevTable(long size, String field, Problems problems) {
    if (size == 0) {
      problems.error(field, "tableSize is required");
    } else if (size >= 5_000_011 || !prime(size)) {
      problems.error(field, "must be a prime number below 5000011");
    } else {
      problems.warning(field, "not supported by this Bosun release yet; Envoy's default table size is used");
    }
  }

  /** Envoy's own test (1 counts as prime there), which Istio mirrors. */
  private static boolean prime(long x) {
    if (x < 4) {
      return x > 0;
    }
    if (x % 2 == 0) {
      return false;
    }
    for (long f = 3; f * f <= x; f += 2) {
      if (x % f == 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
