package io.bosun.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.grpc_credential.v3.FileBasedMetadataConfig;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parts every Envoy bootstrap Bosun writes shares, as Envoy's own typed protos: the node with
 * Istio's metadata, ADS to the control plane, a static cluster, the admin address, and one
 * deterministic rendering (proto field names, map keys sorted), so the same inputs always give
 * byte-identical text. JSON is YAML: Envoy reads the result with {@code -c} or {@code --config-yaml}.
 */
public final class EnvoyBootstraps {
  /** Name of the static cluster that reaches the control plane (Istio uses the same name). */
  public static final String XDS_CLUSTER = "xds-grpc";
  private static final String TOKEN_PLUGIN = "envoy.grpc_credentials.file_based_metadata";

  private static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpProtocolOptions.getDescriptor())
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(FileBasedMetadataConfig.getDescriptor())
      .add(HealthCheck.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .build();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES)
      .preservingProtoFieldNames().sortingMapKeys();
  private static final JsonFormat.Printer COMPACT = PRINTER.omittingInsignificantWhitespace();

  private EnvoyBootstraps() {
  }

  /** Node metadata naming the proxy's release, as Istio's agent sets it. */
  public static final String ISTIO_VERSION = "ISTIO_VERSION";

  /** Bosun's version, as its jar says ("dev" when run from classes). */
  public static String version() {
    String v = EnvoyBootstraps.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * A node: Istio's string metadata ({@code NAMESPACE}, {@code INSTANCE_IPS}, ...) plus the pod's
   * labels as the {@code LABELS} struct, every value a string (a label "1.0" stays "1.0").
   */
  public static Node node(String id, String cluster, Map<String, String> metadata, Map<String, String> labels) {
    Struct.Builder md = Struct.newBuilder();
    // the proxy's version as Istio reports it (pilot_xds, proxy-status): the Bosun that wrote its bootstrap
    TreeMap<String, String> all = new TreeMap<>(metadata);
    all.putIfAbsent(ISTIO_VERSION, version());
    all.forEach((k, v) -> md.putFields(k, string(v)));
    Struct.Builder l = Struct.newBuilder();
    new TreeMap<>(labels).forEach((k, v) -> l.putFields(k, string(v)));
    md.putFields("LABELS", Value.newBuilder().setStructValue(l).build());
    return Node.newBuilder().setId(id).setCluster(cluster).setMetadata(md).build();
  }

  /** ADS over {@code service} (state of the world or delta), CDS and LDS from it. */
  public static Bootstrap.DynamicResources ads(GrpcService service, boolean delta, Duration initialFetchTimeout) {
    ConfigSource.Builder source = ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3);
    if (initialFetchTimeout != null) {
      source.setInitialFetchTimeout(Durations.fromMillis(initialFetchTimeout.toMillis()));
    }
    return Bootstrap.DynamicResources.newBuilder()
        .setAdsConfig(ApiConfigSource.newBuilder()
            .setApiType(delta ? ApiConfigSource.ApiType.DELTA_GRPC : ApiConfigSource.ApiType.GRPC)
            .setTransportApiVersion(ApiVersion.V3)
            .setSetNodeOnFirstMessageOnly(true)
            .addGrpcServices(service))
        .setCdsConfig(source)
        .setLdsConfig(source)
        .build();
  }

  /**
   * Envoy's Google gRPC client to {@code target}: TLS verified with the mesh roots in
   * {@code rootsFile}, and the service-account token in {@code tokenFile} as {@code authorization:
   * Bearer}, read again for every new stream (so a rotated token is picked up). No agent needed.
   */
  public static GrpcService tokenGrpc(String target, String tokenFile, String rootsFile) {
    return GrpcService.newBuilder().setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder()
        .setTargetUri(target)
        .setStatPrefix("xds_grpc")
        // the plugin in call_credentials only runs under its own credentials factory
        .setCredentialsFactoryName(TOKEN_PLUGIN)
        .setChannelCredentials(GrpcService.GoogleGrpc.ChannelCredentials.newBuilder()
            .setSslCredentials(GrpcService.GoogleGrpc.SslCredentials.newBuilder()
                .setRootCerts(DataSource.newBuilder().setFilename(rootsFile))))
        .addCallCredentials(GrpcService.GoogleGrpc.CallCredentials.newBuilder()
            .setFromPlugin(GrpcService.GoogleGrpc.CallCredentials.MetadataCredentialsFromPlugin.newBuilder()
                .setName(TOKEN_PLUGIN)
                .setTypedConfig(Any.pack(FileBasedMetadataConfig.newBuilder()
                    .setSecretData(DataSource.newBuilder().setFilename(tokenFile))
                    .setHeaderPrefix("Bearer ")
                    .build()))))
        // Envoy's default keepalive is off; find a dead control plane (and fail over) within a minute
        .setChannelArgs(GrpcService.GoogleGrpc.ChannelArgs.newBuilder()
            .putArgs("grpc.keepalive_time_ms", GrpcService.GoogleGrpc.ChannelArgs.Value.newBuilder()
                .setIntValue(30000).build())
            .putArgs("grpc.keepalive_timeout_ms", GrpcService.GoogleGrpc.ChannelArgs.Value.newBuilder()
                .setIntValue(10000).build())))
        .build();
  }

  /** Envoy's own gRPC client to a static cluster. */
  public static GrpcService envoyGrpc(String cluster) {
    return GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster)).build();
  }

  /**
   * A cluster of one endpoint: STATIC needs an IP literal, STRICT_DNS resolves a name (e.g. a
   * Service's). {@code http2}: the upstream speaks HTTP/2 (gRPC).
   */
  public static Cluster cluster(String name, String host, int port, Cluster.DiscoveryType type, boolean http2) {
    Cluster.Builder c = Cluster.newBuilder()
        .setName(name)
        .setType(type)
        .setConnectTimeout(Durations.fromSeconds(1))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder()
            .setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(address(host, port))))));
    if (http2) {
      c.putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          Any.pack(HttpProtocolOptions.newBuilder()
              .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                  .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
              .build()));
    }
    return c.build();
  }

  /** The admin API on loopback only. */
  public static Admin admin(int port) {
    return Admin.newBuilder().setAddress(address("127.0.0.1", port)).build();
  }

  public static Address address(String host, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  /** Deterministic text for {@code message}: proto field names, map keys sorted. */
  public static String render(Message message) {
    try {
      return PRINTER.print(message) + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render " + message.getDescriptorForType().getName(), e);
    }
  }

  /** Like {@link #render(Message)}, on one line. */
  public static String renderCompact(Message message) {
    try {
      return COMPACT.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render " + message.getDescriptorForType().getName(), e);
    }
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
