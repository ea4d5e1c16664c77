package io.bosun.explain;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The clusters a request may go to, with the endpoints served for each. */
final class Clusters {
  private static final String TLS_MATCH = "envoy.transport_socket_match";

  private Clusters() {
  }

  static List<Explanation.ClusterInfo> describe(List<Explainer.ClusterWeight> targets, XdsResources config,
                                                List<String> notes) {
    List<Explanation.ClusterInfo> out = new ArrayList<>();
    for (Explainer.ClusterWeight t : targets) {
      Optional<Cluster> cluster = config.clusters().stream().filter(c -> c.getName().equals(t.name())).findFirst();
      if (cluster.isEmpty()) {
        out.add(new Explanation.ClusterInfo(t.name(), t.weight(), "", "", List.of(),
            "not served to this proxy: Envoy answers 503 (no cluster, NC)"));
        continue;
      }
      Cluster c = cluster.get();
      String type = c.hasClusterType() ? c.getClusterType().getName() : c.getType().toString();
      List<Explanation.EndpointInfo> endpoints = new ArrayList<>();
      String note = "";
      switch (type) {
        case "EDS" -> {
          String service = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
              : c.getEdsClusterConfig().getServiceName();
          Optional<ClusterLoadAssignment> cla = config.endpoints().stream()
              .filter(e -> e.getClusterName().equals(service)).findFirst();
          cla.ifPresent(a -> endpoints.addAll(endpoints(a)));
          if (endpoints.isEmpty()) {
            note = "no endpoints: Envoy answers 503 (no healthy upstream, UH)";
          }
        }
        case "ORIGINAL_DST" -> note = "the connection's original destination";
        default -> endpoints.addAll(endpoints(c.getLoadAssignment()));
      }
      if (type.equals("STRICT_DNS") || type.equals("LOGICAL_DNS")) {
        note = "names resolved by Envoy through DNS";
      }
      if (c.getName().equals("BlackHoleCluster")) {
        note = "drops the request: Envoy answers 502 for HTTP, closes TCP";
      }
      out.add(new Explanation.ClusterInfo(c.getName(), t.weight(), type, transport(c), endpoints, note));
    }
    if (targets.size() > 1) {
      notes.add("Envoy picks one of the weighted clusters at random for each request");
    }
    return out;
  }

  private static String transport(Cluster c) {
    if (c.getTransportSocketMatchesCount() > 0) {
      return "by endpoint: " + String.join(", ", c.getTransportSocketMatchesList().stream()
          .map(m -> m.getName() + (m.hasTransportSocket() && m.getTransportSocket().getName().contains("tls")
              ? " (TLS)" : " (plaintext)")).toList());
    }
    if (c.hasTransportSocket() && c.getTransportSocket().getName().contains("tls")) {
      return "TLS";
    }
    return "plaintext";
  }

  private static List<Explanation.EndpointInfo> endpoints(ClusterLoadAssignment a) {
    List<Explanation.EndpointInfo> out = new ArrayList<>();
    for (LocalityLbEndpoints l : a.getEndpointsList()) {
      for (LbEndpoint e : l.getLbEndpointsList()) {
        Value tls = e.getMetadata().getFilterMetadataOrDefault(TLS_MATCH,
            Struct.getDefaultInstance()).getFieldsOrDefault("tlsMode", Value.getDefaultInstance());
        out.add(new Explanation.EndpointInfo(address(e.getEndpoint().getAddress()), e.getHealthStatus().toString(),
            locality(l.getLocality()), e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1,
            l.getPriority(), tls.getStringValue()));
      }
    }
    return out;
  }

  private static String address(Address a) {
    if (a.hasPipe()) {
      return "unix://" + a.getPipe().getPath();
    }
    return a.getSocketAddress().getAddress() + ":" + a.getSocketAddress().getPortValue();
  }

  private static String locality(Locality l) {
    return String.join("/", List.of(l.getRegion(), l.getZone(), l.getSubZone())).replaceAll("/+$", "");
  }
}
