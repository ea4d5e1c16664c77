package io.bosun.testing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bosun.certs.Certificates;
import io.bosun.resources.XdsResources;
import io.bosun.translate.EnvoyTypes;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One proxy's xDS as a static Envoy bootstrap, so {@code envoy --mode validate} can judge exactly
 * what Bosun would push: EDS clusters get their assignments inline, RDS references their route
 * tables inline. Resources that need SDS secrets are left out (validate mode has no xDS server),
 * unless {@link #withMeshSecrets} gives them static secrets to use instead.
 */
public final class StaticBootstrap {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace()
      .usingTypeRegistry(EnvoyTypes.REGISTRY);

  private StaticBootstrap() {
  }

  public static String json(XdsResources config) {
    return json(config, false);
  }

  /**
   * As {@link #json(XdsResources)}, but every SDS reference points at a static secret of the same
   * name instead: the workload certificate {@code default} and {@code ROOTCA} (made up here, from a
   * throwaway CA) and the config's own secrets. Mutual TLS listeners and clusters are then validated too.
   */
  public static String withMeshSecrets(XdsResources config) {
    return json(config, true);
  }

  private static String json(XdsResources config, boolean staticSecrets) {
    if (staticSecrets) {
      config = staticSds(config);
    }
    Map<String, ClusterLoadAssignment> cla = config.endpoints().stream()
        .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
    Map<String, RouteConfiguration> routes = config.routes().stream()
        .collect(Collectors.toMap(RouteConfiguration::getName, Function.identity()));
    List<String> clusters = new ArrayList<>();
    for (Cluster c : config.clusters()) {
      if (!staticSecrets && c.hasTransportSocket() && usesSds(c.getTransportSocket().getTypedConfig())) {
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
      if (!sds || staticSecrets) {
        listeners.add(print(b.build()));
      }
    }
    List<String> secrets = new ArrayList<>();
    if (staticSecrets) {
      Certificates ca = Certificates.newAuthority("mesh", Duration.ofDays(1));
      Certificates.Issued cert = ca.issue(List.of("workload.example"), Duration.ofDays(1));
      secrets.add(print(Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setInlineString(cert.certificatePem()))
          .setPrivateKey(DataSource.newBuilder().setInlineString(cert.privateKeyPem()))).build()));
      secrets.add(print(Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext
          .newBuilder().setTrustedCa(DataSource.newBuilder().setInlineString(ca.authority().certificatePem())))
          .build()));
      config.secrets().forEach(x -> secrets.add(print(x)));
    }
    return "{\"static_resources\":{\"clusters\":[" + String.join(",", clusters) + "],\"listeners\":["
        + String.join(",", listeners) + "],\"secrets\":[" + String.join(",", secrets) + "]}}";
  }

  /** The config with every SDS reference's config source removed: the name then means a static secret. */
  private static XdsResources staticSds(XdsResources config) {
    List<Cluster> clusters = new ArrayList<>();
    for (Cluster c : config.clusters()) {
      Cluster.Builder b = c.toBuilder();
      if (b.hasTransportSocket()) {
        b.setTransportSocket(staticSds(b.getTransportSocket()));
      }
      for (int i = 0; i < b.getTransportSocketMatchesCount(); i++) {
        var m = b.getTransportSocketMatchesBuilder(i);
        m.setTransportSocket(staticSds(m.getTransportSocket()));
      }
      clusters.add(b.build());
    }
    List<Listener> listeners = new ArrayList<>();
    for (Listener l : config.listeners()) {
      Listener.Builder b = l.toBuilder();
      for (int i = 0; i < b.getFilterChainsCount(); i++) {
        FilterChain.Builder chain = b.getFilterChainsBuilder(i);
        if (chain.hasTransportSocket()) {
          chain.setTransportSocket(staticSds(chain.getTransportSocket()));
        }
      }
      if (b.hasDefaultFilterChain() && b.getDefaultFilterChain().hasTransportSocket()) {
        b.getDefaultFilterChainBuilder().setTransportSocket(staticSds(b.getDefaultFilterChain().getTransportSocket()));
      }
      listeners.add(b.build());
    }
    return new XdsResources(clusters, config.endpoints(), listeners, config.routes(), config.secrets());
  }

  private static TransportSocket staticSds(TransportSocket socket) {
    try {
      Any tls = socket.getTypedConfig();
      if (tls.is(DownstreamTlsContext.class)) {
        DownstreamTlsContext.Builder d = tls.unpack(DownstreamTlsContext.class).toBuilder();
        staticSds(d.getCommonTlsContextBuilder());
        return socket.toBuilder().setTypedConfig(Any.pack(d.build())).build();
      }
      if (tls.is(UpstreamTlsContext.class)) {
        UpstreamTlsContext.Builder u = tls.unpack(UpstreamTlsContext.class).toBuilder();
        staticSds(u.getCommonTlsContextBuilder());
        return socket.toBuilder().setTypedConfig(Any.pack(u.build())).build();
      }
      return socket;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void staticSds(CommonTlsContext.Builder common) {
    common.getTlsCertificateSdsSecretConfigsBuilderList().forEach(SdsSecretConfig.Builder::clearSdsConfig);
    if (common.hasValidationContextSdsSecretConfig()) {
      common.getValidationContextSdsSecretConfigBuilder().clearSdsConfig();
    }
    if (common.hasCombinedValidationContext()) {
      common.getCombinedValidationContextBuilder().getValidationContextSdsSecretConfigBuilder().clearSdsConfig();
    }
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
