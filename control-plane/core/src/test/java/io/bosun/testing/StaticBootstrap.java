package io.bosun.testing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One proxy's xDS as a static Envoy bootstrap, so {@code envoy --mode validate} can judge exactly
 * what Bosun would push: EDS clusters get their assignments inline, RDS references their route
 * tables inline. Resources that need SDS secrets are left out (validate mode has no xDS server).
 */
public final class StaticBootstrap {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace()
      .usingTypeRegistry(EnvoyTypes.REGISTRY);

  private StaticBootstrap() {
  }

  public static String json(XdsResources config) {
    Map<String, ClusterLoadAssignment> cla = config.endpoints().stream()
        .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
    Map<String, RouteConfiguration> routes = config.routes().stream()
        .collect(Collectors.toMap(RouteConfiguration::getName, Function.identity()));
    List<String> clusters = new ArrayList<>();
    for (Cluster c : config.clusters()) {
      if (c.hasTransportSocket() && usesSds(c.getTransportSocket().getTypedConfig())) {
        continue;
      }
      Cluster.Builder b = c.toBuilder();
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        b.clearEdsClusterConfig().setType(Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(cla.getOrDefault(c.getName(), ClusterLoadAssignment.newBuilder()
                .setClusterName(c.getName()).build()));
      }
      clusters.add(print(b.build()));
    }
    List<String> listeners = new ArrayList<>();
    for (Listener l : config.listeners()) {
      Listener.Builder b = l.toBuilder();
      boolean sds = false;
      for (int i = 0; i < b.getFilterChainsCount(); i++) {
        FilterChain.Builder chain = b.getFilterChainsBuilder(i);
        sds |= chain.hasTransportSocket() && usesSds(chain.getTransportSocket().getTypedConfig());
        for (int j = 0; j < chain.getFiltersCount(); j++) {
          chain.setFilters(j, inlineRoutes(chain.getFilters(j), routes));
        }
      }
      if (!sds) {
        listeners.add(print(b.build()));
      }
    }
    return "{\"static_resources\":{\"clusters\":[" + String.join(",", clusters) + "],\"listeners\":["
        + String.join(",", listeners) + "]}}";
  }

  private static boolean usesSds(Any tls) {
    try {
      var common = tls.is(DownstreamTlsContext.class)
          ? tls.unpack(DownstreamTlsContext.class)
              .getCommonTlsContext()
          : tls.unpack(UpstreamTlsContext.class)
              .getCommonTlsContext();
      return common.getTlsCertificateSdsSecretConfigsCount() > 0 || common.hasValidationContextSdsSecretConfig()
          || common.hasCombinedValidationContext();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Filter inlineRoutes(Filter f, Map<String, RouteConfiguration> routes) {
    if (!f.getTypedConfig().is(HttpConnectionManager.class)) {
      return f;
    }
    try {
      HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
      if (!hcm.hasRds()) {
        return f;
      }
      RouteConfiguration rc = routes.getOrDefault(hcm.getRds().getRouteConfigName(),
          RouteConfiguration.newBuilder().setName(hcm.getRds().getRouteConfigName()).build());
      return f.toBuilder().setTypedConfig(Any.pack(hcm.toBuilder().clearRds().setRouteConfig(rc).build())).build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
