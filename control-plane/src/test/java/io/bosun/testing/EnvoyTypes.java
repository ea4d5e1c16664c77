package io.bosun.testing;

import com.google.protobuf.util.JsonFormat;

/** Every typed_config type Bosun puts in xDS, so tests can print (and Envoy can read) what it generates. */
public final class EnvoyTypes {
  public static final JsonFormat.TypeRegistry REGISTRY = JsonFormat.TypeRegistry.newBuilder()
      .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          .getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
      .add(io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor())
      .build();

  private EnvoyTypes() {
  }
}
