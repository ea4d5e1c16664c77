package io.bosun.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A DestinationRule trafficPolicy. Null parts are unset, so a subset's policy can override the
 * top-level one field by field, and port-level settings override both for their port.
 */
public record TrafficPolicy(LoadBalancer loadBalancer, ConsistentHash consistentHash, ConnectionPool connectionPool,
                            OutlierDetection outlierDetection, ClientTls tls, Locality locality,
                            Map<Integer, TrafficPolicy> portLevel, Warmup warmup) {
  public static final TrafficPolicy NONE = new TrafficPolicy(LoadBalancer.UNSET, null, null, null, Map.of());

  public TrafficPolicy {
    loadBalancer = loadBalancer == null ? LoadBalancer.UNSET : loadBalancer;
    portLevel = portLevel == null ? Map.of() : Map.copyOf(portLevel);
  }

  public TrafficPolicy(LoadBalancer loadBalancer, ConsistentHash consistentHash, ConnectionPool connectionPool,
                       OutlierDetection outlierDetection, ClientTls tls, Locality locality,
                       Map<Integer, TrafficPolicy> portLevel) {
    this(loadBalancer, consistentHash, connectionPool, outlierDetection, tls, locality, portLevel, null);
  }

  /**
   * loadBalancer.warmup (or the older warmupDurationSecs): new endpoints get a growing share of
   * traffic over {@code duration}; null percent and aggression mean Istio's defaults (10 %, 1.0).
   */
  public record Warmup(Duration duration, Double minimumPercent, Double aggression) {
  }

  public TrafficPolicy(LoadBalancer loadBalancer, ConsistentHash consistentHash, ConnectionPool connectionPool,
                       OutlierDetection outlierDetection, Map<Integer, TrafficPolicy> portLevel) {
    this(loadBalancer, consistentHash, connectionPool, outlierDetection, null, null, portLevel);
  }

  /**
   * Origination of TLS to the destination. {@code mode} DISABLE, SIMPLE or MUTUAL; files are paths
   * on the proxy; {@code credentialName} a Secret of the client proxy's namespace instead.
   */
  public record ClientTls(String mode, String clientCertificate, String privateKey, String caCertificates,
                          String credentialName, String sni, List<String> subjectAltNames,
                          boolean insecureSkipVerify) {
    public ClientTls {
      clientCertificate = clientCertificate == null ? "" : clientCertificate;
      privateKey = privateKey == null ? "" : privateKey;
      caCertificates = caCertificates == null ? "" : caCertificates;
      credentialName = credentialName == null ? "" : credentialName;
      sni = sni == null ? "" : sni;
      subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
    }
  }

  /**
   * localityLbSetting. {@code distribute}: rules in the order given, the first whose {@code from}
   * matches the client applies (as in Istio); {@code failover}: from region to region, first match
   * wins; {@code failoverPriority}: labels that rank endpoints.
   */
  public record Locality(boolean enabled, List<Distribute> distribute, List<Failover> failover,
                         List<String> failoverPriority) {
    public Locality {
      distribute = distribute == null ? List.of() : List.copyOf(distribute);
      failover = failover == null ? List.of() : List.copyOf(failover);
      failoverPriority = failoverPriority == null ? List.of() : List.copyOf(failoverPriority);
    }

    /** The failover region for clients in {@code region}, or null. */
    public String failoverFor(String region) {
      return failover.stream().filter(f -> f.from().equals(region)).map(Failover::to).findFirst().orElse(null);
    }
  }

  /** Clients in localities matching {@code from} send each share's weight to the localities it matches. */
  public record Distribute(String from, List<Share> to) {
    public Distribute {
      to = List.copyOf(to);
    }
  }

  /** A locality pattern and the percentage of traffic it gets. */
  public record Share(String locality, int weight) {
  }

  /** Clients in region {@code from} fail over to region {@code to}. */
  public record Failover(String from, String to) {
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
                               Duration idleTimeout, Http2KeepAlive http2KeepAlive) {
    public ConnectionPool(Integer maxConnections, Duration connectTimeout, Integer http1MaxPendingRequests,
                          Integer http2MaxRequests, Integer maxRequestsPerConnection, Integer maxRetries,
                          Duration idleTimeout) {
      this(maxConnections, connectTimeout, http1MaxPendingRequests, http2MaxRequests, maxRequestsPerConnection,
          maxRetries, idleTimeout, null);
    }
  }

  /** connectionPool.http.http2KeepAlive: HTTP/2 PINGs every {@code interval}, answered within {@code timeout}. */
  public record Http2KeepAlive(Duration interval, Duration timeout) {
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
    // a loadBalancer replaces the whole of the other's, warmup included (Istio's MergeTrafficPolicy)
    boolean lb = more.loadBalancer != LoadBalancer.UNSET || more.consistentHash != null || more.warmup != null;
    return new TrafficPolicy(
        lb ? more.loadBalancer : loadBalancer,
        lb ? more.consistentHash : consistentHash,
        more.connectionPool != null ? more.connectionPool : connectionPool,
        more.outlierDetection != null ? more.outlierDetection : outlierDetection,
        more.tls != null ? more.tls : tls,
        more.locality != null ? more.locality : locality,
        more.portLevel.isEmpty() ? portLevel : more.portLevel,
        lb ? more.warmup : warmup);
  }

  /** The policy for one port: port-level settings override the rest. */
  public TrafficPolicy forPort(int port) {
    TrafficPolicy p = portLevel.get(port);
    TrafficPolicy base = new TrafficPolicy(loadBalancer, consistentHash, connectionPool, outlierDetection, tls,
        locality, Map.of(), warmup);
    return p == null ? base : base.overriddenBy(p);
  }

}
