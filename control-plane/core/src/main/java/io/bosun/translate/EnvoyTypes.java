package io.bosun.translate;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/**
 * Every typed_config type Bosun puts in xDS, so tests and {@code /debug/config_dump} can print
 * (and Envoy can read) what it generates.
 */
public final class EnvoyTypes {
  public static final JsonFormat.TypeRegistry REGISTRY = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager
          .getDescriptor())
      .add(Router.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
      .add(JwtAuthentication.getDescriptor())
      .add(ExtAuthz.getDescriptor())
      .add(RawBuffer.getDescriptor())
      .add(UriTemplateMatchConfig.getDescriptor())
      .add(TcpProxy.getDescriptor())
      .add(PreviousHostsPredicate.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(HTTPFault.getDescriptor())
      .add(Cors.getDescriptor())
      .add(CorsPolicy.getDescriptor())
      .add(OriginalDst.getDescriptor())
      .add(TlsInspector.getDescriptor())
      .add(DownstreamTlsContext.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .add(FileAccessLog.getDescriptor())
      .add(ZipkinConfig.getDescriptor())
      .build();

  private EnvoyTypes() {
  }
}
