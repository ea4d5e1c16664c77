package io.bosun.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/** The four xDS resource lists for one proxy. */
public record ProxyConfig(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                          List<RouteConfiguration> routes) {
  public ProxyConfig {
    clusters = List.copyOf(clusters);
    endpoints = List.copyOf(endpoints);
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
  }
}
