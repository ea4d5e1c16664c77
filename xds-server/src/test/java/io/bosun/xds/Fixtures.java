package io.bosun.xds;

import com.google.protobuf.Duration;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;

/** Small, valid-looking Envoy resources for tests. */
final class Fixtures {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private Fixtures() {}

  static Node node(String id, String group) {
    return Node.newBuilder().setId(id).setCluster(group).build();
  }

  static Cluster cluster(String name, int connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(Duration.newBuilder()
            .setSeconds(connectTimeoutSeconds))
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(ConfigSource.newBuilder()
                .setAds(AggregatedConfigSource.getDefaultInstance())))
        .build();
  }

  static ClusterLoadAssignment endpoints(String cluster, String ip) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder()
                    .setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder()
                            .setAddress(ip).setPortValue(8080))))))
        .build();
  }

  static Listener listener(String name, int port) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(Address.newBuilder()
            .setSocketAddress(SocketAddress.newBuilder()
                .setAddress("0.0.0.0").setPortValue(port)))
        .build();
  }

  static RouteConfiguration route(String name, String domain) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(VirtualHost.newBuilder().setName(domain).addDomains(domain))
        .build();
  }

  /** c1 (+EDS), l1, r1: one of each type. */
  static XdsResources basic() {
    return new XdsResources(
        List.of(cluster("c1", 1)),
        List.of(endpoints("c1", "10.0.0.1")),
        List.of(listener("l1", 15001)),
        List.of(route("r1", "a.example")));
  }

  static XdsResources withClusters(XdsResources base, List<Cluster> clusters) {
    return new XdsResources(clusters, base.endpoints(), base.listeners(), base.routes());
  }

  static XdsResources withListeners(XdsResources base, List<Listener> listeners) {
    return new XdsResources(base.clusters(), base.endpoints(), listeners, base.routes());
  }
}
