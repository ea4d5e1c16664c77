package io.bosun.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/** The xDS resource lists for one proxy; secrets are the SDS certificates its listeners and clusters name. */
public record ProxyConfig(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                          List<RouteConfiguration> routes, List<Secret> secrets) {
  public ProxyConfig {
    clusters = List.copyOf(clusters);
    endpoints = List.copyOf(endpoints);
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
    secrets = List.copyOf(secrets);
  }

  public ProxyConfig(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                     List<RouteConfiguration> routes) {
    this(clusters, endpoints, listeners, routes, List.of());
  }

  /** Secrets carry private keys: never print them. */
  @Override
  public String toString() {
    return "ProxyConfig[" + clusters.size() + " clusters, " + listeners.size() + " listeners, " + routes.size()
        + " routes, " + secrets.size() + " secrets]";
  }
}
