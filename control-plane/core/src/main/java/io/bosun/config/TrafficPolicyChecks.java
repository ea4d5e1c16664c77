package io.bosun.config;

import io.bosun.model.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettingsHTTPSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettingsHTTPSettingsH2UpgradePolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.LoadBalancerSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.OutlierDetection;
import io.fabric8.istio.api.api.networking.v1alpha3.WarmupConfiguration;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Istio's rules for a DestinationRule's (and a Sidecar's) traffic policy parts
 * ({@code validateConnectionPool}, {@code validateOutlierDetection}, the warmup part of
 * {@code validateLoadBalancer}).
 */
final class TrafficPolicyChecks {
  /** Newer than the fabric8 model: read from its additional properties (see {@link UnknownFields}). */
  static final String HTTP2_KEEP_ALIVE = "http2KeepAlive";
  private static final Set<String> KEEP_ALIVE_FIELDS = Set.of("interval", "timeout");

  private TrafficPolicyChecks() {
  }

  static void connectionPool(ConnectionPoolSettings c, String field, Problems p) {
    if (c == null) {
      return;
    }
    if (c.getTcp() == null && c.getHttp() == null) {
      p.error(field, "tcp or http is required");
    }
    if (c.getTcp() != null) {
      var tcp = c.getTcp();
      nonNegative(tcp.getMaxConnections(), field + ".tcp.maxConnections", p);
      Durations.check(tcp.getConnectTimeout(), field + ".tcp.connectTimeout", p);
      Duration idle = Durations.parse(tcp.getIdleTimeout());
      if (idle == null || !idle.isZero()) {
        Durations.check(tcp.getIdleTimeout(), field + ".tcp.idleTimeout", p); // 0s turns the timeout off
      }
      Durations.check(tcp.getMaxConnectionDuration(), field + ".tcp.maxConnectionDuration", p);
      if (tcp.getTcpKeepalive() != null) {
        Durations.check(tcp.getTcpKeepalive().getTime(), field + ".tcp.tcpKeepalive.time", p);
        Durations.check(tcp.getTcpKeepalive().getInterval(), field + ".tcp.tcpKeepalive.interval", p);
      }
      Checks.unsupported(tcp.getTcpKeepalive(), field + ".tcp.tcpKeepalive", p);
      Checks.unsupported(tcp.getIdleTimeout(), field + ".tcp.idleTimeout", p);
      Checks.unsupported(tcp.getMaxConnectionDuration(), field + ".tcp.maxConnectionDuration", p);
    }
    if (c.getHttp() != null) {
      var h = c.getHttp();
      nonNegative(h.getHttp1MaxPendingRequests(), field + ".http.http1MaxPendingRequests", p);
      nonNegative(h.getHttp2MaxRequests(), field + ".http.http2MaxRequests", p);
      nonNegative(h.getMaxRequestsPerConnection(), field + ".http.maxRequestsPerConnection", p);
      nonNegative(h.getMaxRetries(), field + ".http.maxRetries", p);
      nonNegative(h.getMaxConcurrentStreams(), field + ".http.maxConcurrentStreams", p);
      Durations.check(h.getIdleTimeout(), field + ".http.idleTimeout", p);
      if (h.getH2UpgradePolicy() == ConnectionPoolSettingsHTTPSettingsH2UpgradePolicy.UPGRADE
          && Boolean.TRUE.equals(h.getUseClientProtocol())) {
        p.error(field + ".http.useClientProtocol", "must not be true with h2UpgradePolicy UPGRADE");
      }
      keepAlive(h, field + ".http." + HTTP2_KEEP_ALIVE, p);
      if (h.getH2UpgradePolicy() != null && h.getH2UpgradePolicy() != ConnectionPoolSettingsHTTPSettingsH2UpgradePolicy
          .DEFAULT) {
        Checks.unsupported(h.getH2UpgradePolicy(), field + ".http.h2UpgradePolicy", p);
      }
      Checks.unsupported(Boolean.TRUE.equals(h.getUseClientProtocol()) ? true : null, field
          + ".http.useClientProtocol", p);
      Checks.unsupported(h.getMaxConcurrentStreams(), field + ".http.maxConcurrentStreams", p);
    }
  }

  /** {@code http2KeepAlive} as written: an object with both {@code interval} and {@code timeout}. */
  private static void keepAlive(ConnectionPoolSettingsHTTPSettings h, String field, Problems p) {
    Object raw = h.getAdditionalProperties().get(HTTP2_KEEP_ALIVE);
    if (raw == null) {
      return;
    }
    if (!(raw instanceof Map<?, ?> map)) {
      p.error(field, "must be an object with interval and timeout");
      return;
    }
    map.keySet().stream().map(String::valueOf).filter(k -> !KEEP_ALIVE_FIELDS.contains(k)).sorted()
        .forEach(k -> p.error(field + "." + k, "unknown field"));
    for (String part : KEEP_ALIVE_FIELDS.stream().sorted().toList()) {
      Object value = map.get(part);
      if (value == null) {
        p.error(field + "." + part, part + " is required");
      } else {
        Durations.check(String.valueOf(value), field + "." + part, p);
      }
    }
  }

  /** The validated {@code http2KeepAlive}, or null. */
  static TrafficPolicy.Http2KeepAlive keepAlive(ConnectionPoolSettingsHTTPSettings h) {
    if (h == null || !(h.getAdditionalProperties().get(HTTP2_KEEP_ALIVE) instanceof Map<?, ?> map)) {
      return null;
    }
    Duration interval = Durations.parse(String.valueOf(map.get("interval")));
    Duration timeout = Durations.parse(String.valueOf(map.get("timeout")));
    return interval == null || timeout == null ? null : new TrafficPolicy.Http2KeepAlive(interval, timeout);
  }

  static void outlierDetection(OutlierDetection o, String field, Problems p) {
    if (o == null) {
      return;
    }
    nonNegative(o.getConsecutiveErrors(), field + ".consecutiveErrors", p);
    nonNegative(o.getConsecutiveGatewayErrors(), field + ".consecutiveGatewayErrors", p);
    nonNegative(o.getConsecutive5xxErrors(), field + ".consecutive5xxErrors", p);
    nonNegative(o.getConsecutiveLocalOriginFailures(), field + ".consecutiveLocalOriginFailures", p);
    if (o.getConsecutiveLocalOriginFailures() != null && o.getConsecutiveLocalOriginFailures() > 0
        && !Boolean.TRUE.equals(o.getSplitExternalLocalOriginErrors())) {
      p.error(field + ".consecutiveLocalOriginFailures", "needs splitExternalLocalOriginErrors: true");
    }
    Checks.unsupported(o.getConsecutiveLocalOriginFailures(), field + ".consecutiveLocalOriginFailures", p);
    Durations.check(o.getInterval(), field + ".interval", p);
    Durations.check(o.getBaseEjectionTime(), field + ".baseEjectionTime", p);
    between(o.getMaxEjectionPercent(), field + ".maxEjectionPercent", p);
    between(o.getMinHealthPercent(), field + ".minHealthPercent", p);
  }

  /**
   * {@code warmup} (or the older {@code warmupDurationSecs}) as the model holds it, or null: a
   * duration of at least 1 ms is required, {@code minimumPercent} 0-100, {@code aggression} above 0.
   */
  static TrafficPolicy.Warmup warmup(LoadBalancerSettings lbs, String field, Problems p) {
    WarmupConfiguration w = lbs.getWarmup();
    if (w == null) {
      Duration legacy = Durations.check(lbs.getWarmupDurationSecs(), field + ".warmupDurationSecs", p);
      return legacy == null ? null : new TrafficPolicy.Warmup(legacy, null, null);
    }
    String f = field + ".warmup";
    Duration duration = null;
    if (w.getDuration() == null) {
      p.error(f + ".duration", "duration is required");
    } else {
      duration = Durations.check(w.getDuration(), f + ".duration", p);
    }
    if (w.getMinimumPercent() != null && (w.getMinimumPercent() < 0 || w.getMinimumPercent() > 100)) {
      p.error(f + ".minimumPercent", "must be between 0 and 100");
    }
    if (w.getAggression() != null && w.getAggression() <= 0) {
      p.error(f + ".aggression", "must be greater than 0");
    }
    return duration == null ? null : new TrafficPolicy.Warmup(duration, w.getMinimumPercent(), w.getAggression());
  }

  private static void nonNegative(Integer v, String field, Problems p) {
    if (v != null && v < 0) {
      p.error(field, "must not be negative");
    }
  }

  private static void between(Integer v, String field, Problems p) {
    if (v != null && (v < 0 || v > 100)) {
      p.error(field, "must be between 0 and 100");
    }
  }
}
