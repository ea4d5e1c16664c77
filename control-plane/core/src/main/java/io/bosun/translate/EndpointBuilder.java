package io.bosun.translate;

import com.google.protobuf.UInt32Value;
import io.bosun.model.Endpoint;
import io.bosun.model.PeerAuthentication.MtlsMode;
import io.bosun.model.SecurityPolicies;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** EDS: the ready endpoints of every EDS cluster, narrowed by subset labels, grouped by locality. */
public final class EndpointBuilder {
  private static final String UNIX = "unix://";

  private EndpointBuilder() {
  }

  /**
   * The assignments of EDS clusters. A meshed endpoint is marked for auto mTLS unless its own
   * PeerAuthentication turns mutual TLS off for the port (then its sidecar takes plaintext only).
   */
  static List<ClusterLoadAssignment> build(List<OutboundCluster> clusters, SecurityPolicies security) {
    List<ClusterLoadAssignment> out = new ArrayList<>();
    for (OutboundCluster oc : clusters) {
      if (!ClusterBuilder.usesEds(oc)) {
        continue;
      }
      Map<String, LocalityLbEndpoints.Builder> byLocality = new TreeMap<>();
      for (Endpoint e : oc.endpoints()) {
        int port = e.portFor(oc.port());
        LbEndpoint lb = lbEndpoint(e.address(), port, e.weight());
        boolean mtls = e.meshed() && security.mtlsMode(oc.service().namespace(), e.labels(), port) != MtlsMode.DISABLE;
        byLocality.computeIfAbsent(e.locality(), EndpointBuilder::locality).addLbEndpoints(mtls ? meshed(lb) : lb);
      }
      ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(oc.name());
      byLocality.values().forEach(cla::addEndpoints);
      out.add(cla.build());
    }
    return out;
  }

  /** An endpoint at {@code address}: an IP or DNS name with {@code port}, or a {@code unix://} socket. */
  static LbEndpoint lbEndpoint(String address, int port, int weight) {
    Address a = address.startsWith(UNIX) ? Address.newBuilder()
        .setPipe(Pipe.newBuilder().setPath(address.substring(UNIX.length()))).build()
        : Protos.address(address, port);
    LbEndpoint.Builder b = LbEndpoint.newBuilder()
        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
            .setAddress(a));
    if (weight > 0) {
      b.setLoadBalancingWeight(UInt32Value.of(weight));
    }
    return b.build();
  }

  /** A meshed endpoint: auto mTLS picks mutual TLS for it by this metadata. */
  private static LbEndpoint meshed(LbEndpoint e) {
    return e.toBuilder().setMetadata(Metadata.newBuilder()
        .putFilterMetadata(MeshTls.SOCKET_MATCH, MeshTls.meshedEndpoint())).build();
  }

  /** Istio's locality string is {@code region/zone/subzone}. */
  private static LocalityLbEndpoints.Builder locality(String locality) {
    LocalityLbEndpoints.Builder b = LocalityLbEndpoints.newBuilder();
    if (!locality.isEmpty()) {
      String[] p = locality.split("/", -1);
      b.setLocality(Locality.newBuilder()
          .setRegion(p.length > 0 ? p[0] : "")
          .setZone(p.length > 1 ? p[1] : "")
          .setSubZone(p.length > 2 ? p[2] : ""));
    }
    return b;
  }
}
