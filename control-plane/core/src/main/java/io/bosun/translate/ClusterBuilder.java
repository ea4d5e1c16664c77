package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.bosun.model.Endpoint;
import io.bosun.model.LoadBalancer;
import io.bosun.model.MeshConfig;
import io.bosun.model.Resolution;
import io.bosun.model.TrafficPolicy;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;

/** CDS: one cluster per service port and subset, plus Istio's special clusters. */
public final class ClusterBuilder {
  /** Istio's default mesh connectTimeout. */
  static final long CONNECT_TIMEOUT_SECONDS = 10;
  /** uint32 max, written as the int with all bits set. */
  private static final int UNLIMITED = -1;
  private static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  /** Envoy requires a runtime key next to a slow start aggression; nothing sets it, so the default applies. */
  private static final String WARMUP_AGGRESSION_KEY = "upstream.bosun.warmup_aggression";

  private ClusterBuilder() {
  }

  /** The proxy-independent outbound clusters, computed once per snapshot. */
  static List<Cluster> outbound(List<OutboundCluster> clusters, MeshConfig mesh) {
    List<Cluster> out = new ArrayList<>();
    for (OutboundCluster oc : clusters) {
      out.add(cluster(oc, mesh));
    }
    return out;
  }

  /** BlackHoleCluster, PassthroughCluster and, when tracing is on, the Zipkin collector. */
  static List<Cluster> special(MeshConfig mesh) {
    List<Cluster> out = new ArrayList<>(special());
    out.add(InboundBuilder.originalDst(Names.INBOUND_PASSTHROUGH_CLUSTER, mesh));
    Observability.zipkinCluster(mesh).ifPresent(out::add);
    return out;
  }

  static List<Cluster> special() {
    return List.of(
        Cluster.newBuilder()
            .setName(Names.BLACKHOLE_CLUSTER)
            .setType(DiscoveryType.STATIC)
            .setConnectTimeout(Protos.seconds(CONNECT_TIMEOUT_SECONDS))
            .build(),
        Cluster.newBuilder()
            .setName(Names.PASSTHROUGH_CLUSTER)
            .setType(DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(LbPolicy.CLUSTER_PROVIDED)
            .setConnectTimeout(Protos.seconds(CONNECT_TIMEOUT_SECONDS))
            .setCircuitBreakers(unlimited())
            .build());
  }

  private static Cluster cluster(OutboundCluster oc, MeshConfig mesh) {
    TrafficPolicy.ConnectionPool pool = oc.policy().connectionPool();
    Cluster.Builder c = Cluster.newBuilder()
        .setName(oc.name())
        .setConnectTimeout(pool != null && pool.connectTimeout() != null ? duration(pool.connectTimeout())
            : Protos.duration(mesh.connectTimeout()))
        .setCircuitBreakers(limits(pool));
    LoadBalancer lb = oc.policy().loadBalancer();
    Resolution resolution = oc.service().resolution();
    if (lb == LoadBalancer.PASSTHROUGH || resolution == Resolution.NONE) {
      c.setType(DiscoveryType.ORIGINAL_DST).setLbPolicy(LbPolicy.CLUSTER_PROVIDED);
    } else {
      c.setLbPolicy(switch (lb) {
        case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
        case RANDOM -> LbPolicy.RANDOM;
        default -> LbPolicy.LEAST_REQUEST;
      });
      TrafficPolicy.ConsistentHash hash = oc.policy().consistentHash();
      if (hash == null && lb != LoadBalancer.RANDOM) {
        slowStart(c, oc.policy().warmup());
      }
      if (hash != null) {
        c.setLbPolicy(hash.maglev() ? LbPolicy.MAGLEV : LbPolicy.RING_HASH);
        if (!hash.maglev() && hash.minimumRingSize() > 0) {
          c.setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
              .setMinimumRingSize(UInt64Value.of(hash.minimumRingSize())));
        }
      }
      outlierDetection(c, oc.policy().outlierDetection());
      switch (resolution) {
        case DNS -> c.setType(DiscoveryType.STRICT_DNS).setLoadAssignment(dnsAssignment(oc));
        case DNS_ROUND_ROBIN -> c.setType(DiscoveryType.LOGICAL_DNS).setLoadAssignment(dnsAssignment(oc));
        default -> c.setType(DiscoveryType.EDS).setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(Protos.ads())
            .setServiceName(oc.name()));
      }
      if (resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN) {
        c.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY);
      }
    }
    tls(c, oc, mesh);
    TrafficPolicy.Locality locality = oc.policy().locality();
    if (locality != null && locality.enabled() && !locality.distribute().isEmpty()) {
      c.setCommonLbConfig(c.getCommonLbConfig().toBuilder()
          .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()));
    }
    String protocol = oc.port().protocol();
    boolean http2 = protocol.equals("HTTP2") || protocol.equals("GRPC");
    boolean common = pool != null && (pool.maxRequestsPerConnection() != null || pool.idleTimeout() != null);
    if (http2 || common && oc.port().isHttp()) {
      HttpProtocolOptions.Builder options = HttpProtocolOptions.newBuilder();
      options.setExplicitHttpConfig(http2
          ? HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(http2Options(pool))
          : HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()));
      if (common) {
        io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.Builder o =
            io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder();
        if (pool.maxRequestsPerConnection() != null && pool.maxRequestsPerConnection() > 0) {
          o.setMaxRequestsPerConnection(UInt32Value.of(pool.maxRequestsPerConnection()));
        }
        if (pool.idleTimeout() != null) {
          o.setIdleTimeout(duration(pool.idleTimeout()));
        }
        options.setCommonHttpProtocolOptions(o);
      }
      c.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(options.build()));
    }
    return c.build();
  }

  /** HTTP/2 options: PINGs when connectionPool.http.http2KeepAlive asks for them. */
  private static Http2ProtocolOptions http2Options(TrafficPolicy.ConnectionPool pool) {
    if (pool == null || pool.http2KeepAlive() == null) {
      return Http2ProtocolOptions.getDefaultInstance();
    }
    return Http2ProtocolOptions.newBuilder().setConnectionKeepalive(KeepaliveSettings.newBuilder()
        .setInterval(duration(pool.http2KeepAlive().interval()))
        .setTimeout(duration(pool.http2KeepAlive().timeout()))).build();
  }

  /**
   * loadBalancer.warmup as Envoy's slow start (ROUND_ROBIN and LEAST_REQUEST only), with Istio's
   * defaults: aggression 1 (a linear ramp) and a minimum weight of 10 %.
   */
  private static void slowStart(Cluster.Builder c, TrafficPolicy.Warmup warmup) {
    if (warmup == null) {
      return;
    }
    Cluster.SlowStartConfig.Builder slow = Cluster.SlowStartConfig.newBuilder()
        .setSlowStartWindow(duration(warmup.duration()));
    if (warmup.aggression() != null || warmup.minimumPercent() != null) {
      slow.setAggression(RuntimeDouble.newBuilder().setRuntimeKey(WARMUP_AGGRESSION_KEY)
              .setDefaultValue(warmup.aggression() == null ? 1 : warmup.aggression()))
          .setMinWeightPercent(Percent.newBuilder()
              .setValue(warmup.minimumPercent() == null ? 10 : warmup.minimumPercent()));
    }
    if (c.getLbPolicy() == LbPolicy.ROUND_ROBIN) {
      c.setRoundRobinLbConfig(Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(slow));
    } else {
      c.setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(slow));
    }
  }

  /**
   * The cluster's TLS: the DestinationRule's (ISTIO_MUTUAL with the mesh's certificates), else auto
   * mTLS to a mesh-internal service: mutual TLS to its meshed endpoints, plaintext to the others.
   */
  private static void tls(Cluster.Builder c, OutboundCluster oc, MeshConfig mesh) {
    TrafficPolicy.ClientTls tls = oc.policy().tls();
    String sni = Names.meshSni(oc.port().number(), oc.subset(), oc.service().hostname());
    if (tls != null && tls.mode().equals("ISTIO_MUTUAL")) {
      c.setTransportSocket(MeshTls.client(tls.sni().isEmpty() ? sni : tls.sni(),
          tls.subjectAltNames().isEmpty() ? oc.sans() : tls.subjectAltNames()));
    } else if (tls == null && mesh.enableAutoMtls() && !oc.service().meshExternal()) {
      MeshTls.auto(c, sni, oc.sans());
    } else {
      TransportSocket socket = UpstreamTls.socket(tls, oc.service().hostname());
      if (socket != null) {
        c.setTransportSocket(socket);
      }
    }
  }

  /** Istio's outlier detection: only the 5xx and gateway-error detectors, enforced when configured. */
  private static void outlierDetection(Cluster.Builder c, TrafficPolicy.OutlierDetection o) {
    if (o == null) {
      return;
    }
    OutlierDetection.Builder b =
        OutlierDetection.newBuilder()
            .setEnforcingSuccessRate(UInt32Value.of(0));
    if (o.consecutive5xxErrors() != null) {
      b.setConsecutive5Xx(UInt32Value.of(o.consecutive5xxErrors()))
          .setEnforcingConsecutive5Xx(UInt32Value.of(o.consecutive5xxErrors() > 0 ? 100 : 0));
    }
    if (o.consecutiveGatewayErrors() != null) {
      b.setConsecutiveGatewayFailure(UInt32Value.of(o.consecutiveGatewayErrors()))
          .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(o.consecutiveGatewayErrors() > 0 ? 100 : 0));
    }
    if (o.interval() != null) {
      b.setInterval(duration(o.interval()));
    }
    if (o.baseEjectionTime() != null) {
      b.setBaseEjectionTime(duration(o.baseEjectionTime()));
    }
    if (o.maxEjectionPercent() != null) {
      b.setMaxEjectionPercent(UInt32Value.of(o.maxEjectionPercent()));
    }
    c.setOutlierDetection(b);
    if (o.minHealthPercent() != null) {
      c.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
          .setHealthyPanicThreshold(Percent.newBuilder().setValue(o.minHealthPercent())));
    }
  }

  /** connectionPool limits; unset ones stay effectively unlimited as in Istio. */
  private static CircuitBreakers limits(TrafficPolicy.ConnectionPool pool) {
    if (pool == null) {
      return unlimited();
    }
    return CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(UInt32Value.of(orUnlimited(pool.maxConnections())))
            .setMaxPendingRequests(UInt32Value.of(orUnlimited(pool.http1MaxPendingRequests())))
            .setMaxRequests(UInt32Value.of(orUnlimited(pool.http2MaxRequests())))
            .setMaxRetries(UInt32Value.of(orUnlimited(pool.maxRetries())))
            .setTrackRemaining(true))
        .build();
  }

  private static int orUnlimited(Integer v) {
    return v == null || v <= 0 ? UNLIMITED : v;
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  /** DNS clusters carry their endpoints inline: the hosts to resolve. */
  private static ClusterLoadAssignment dnsAssignment(OutboundCluster oc) {
    LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder();
    List<Endpoint> eps = oc.endpoints();
    if (eps.isEmpty()) {
      group.addLbEndpoints(EndpointBuilder.lbEndpoint(oc.service().hostname(), oc.port().targetPort(), 0));
    }
    for (Endpoint e : eps) {
      group.addLbEndpoints(EndpointBuilder.lbEndpoint(e.address(), e.portFor(oc.port()), e.weight()));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(oc.name()).addEndpoints(group).build();
  }

  /** Envoy's default limits (1024) would be a surprise: Istio leaves unset limits effectively unlimited. */
  static CircuitBreakers unlimited() {
    return CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(UInt32Value.of(UNLIMITED))
            .setMaxPendingRequests(UInt32Value.of(UNLIMITED))
            .setMaxRequests(UInt32Value.of(UNLIMITED))
            .setMaxRetries(UInt32Value.of(UNLIMITED))
            .setTrackRemaining(true))
        .build();
  }

  static boolean usesEds(OutboundCluster oc) {
    return oc.policy().loadBalancer() != LoadBalancer.PASSTHROUGH
        && oc.service().resolution() == Resolution.STATIC;
  }
}
