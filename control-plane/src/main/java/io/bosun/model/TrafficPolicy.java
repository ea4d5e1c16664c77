package io.bosun.model;

import java.time.Duration;
import java.util.Map;

/**
 * A DestinationRule trafficPolicy. Null parts are unset, so a subset's policy can override the
 * top-level one field by field, and port-level settings override both for their port.
 */
public record TrafficPolicy(LoadBalancer loadBalancer, ConsistentHash consistentHash, ConnectionPool connectionPool,
                            OutlierDetection outlierDetection, Map<Integer, TrafficPolicy> portLevel) {
  public static final TrafficPolicy NONE = new TrafficPolicy(LoadBalancer.UNSET, null, null, null, Map.of());

  public TrafficPolicy {
    loadBalancer = loadBalancer == null ? LoadBalancer.UNSET : loadBalancer;
    portLevel = portLevel == null ? Map.of() : Map.copyOf(portLevel);
  }

  public TrafficPolicy(LoadBalancer loadBalancer) {
    this(loadBalancer, null, null, null, Map.of());
  }

  /** consistentHash: exactly one key; {@code maglev} picks MAGLEV over RING_HASH. */
  public record ConsistentHash(String header, String cookie, String cookiePath, Duration cookieTtl, boolean sourceIp,
                               String queryParameter, long minimumRingSize, boolean maglev) {
  }

  /** connectionPool; null fields are unset (effectively unlimited). */
  public record ConnectionPool(Integer maxConnections, Duration connectTimeout, Integer http1MaxPendingRequests,
                               Integer http2MaxRequests, Integer maxRequestsPerConnection, Integer maxRetries,
                               Duration idleTimeout) {
  }

  /** outlierDetection; null fields are unset. */
  public record OutlierDetection(Integer consecutive5xxErrors, Integer consecutiveGatewayErrors, Duration interval,
                                 Duration baseEjectionTime, Integer maxEjectionPercent, Integer minHealthPercent) {
  }

  /** Field-by-field override: {@code more} wins where it sets a field. */
  public TrafficPolicy overriddenBy(TrafficPolicy more) {
    if (more == null) {
      return this;
    }
    return new TrafficPolicy(
        more.loadBalancer != LoadBalancer.UNSET || more.consistentHash != null ? more.loadBalancer : loadBalancer,
        more.loadBalancer != LoadBalancer.UNSET || more.consistentHash != null ? more.consistentHash : consistentHash,
        more.connectionPool != null ? more.connectionPool : connectionPool,
        more.outlierDetection != null ? more.outlierDetection : outlierDetection,
        more.portLevel.isEmpty() ? portLevel : more.portLevel);
  }

  /** The policy for one port: port-level settings override the rest. */
  public TrafficPolicy forPort(int port) {
    TrafficPolicy p = portLevel.get(port);
    TrafficPolicy base = new TrafficPolicy(loadBalancer, consistentHash, connectionPool, outlierDetection, Map.of());
    return p == null ? base : base.overriddenBy(p);
  }

}
