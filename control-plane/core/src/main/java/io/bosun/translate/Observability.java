package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.model.Hosts;
import io.bosun.model.MeshConfig;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Mesh-wide access logging and Zipkin tracing, shaped as Istio configures them. */
final class Observability {
  /** The cluster Istio names for the Zipkin collector. */
  static final String ZIPKIN_CLUSTER = "zipkin";
  /**
   * Istio's default TEXT access-log line, so log parsers and habits carry over unchanged.
   * (Envoy format operators; documented in Istio's access-logging task.)
   */
  static final String TEXT_FORMAT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
      + "%RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "
      + "\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
      + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" "
      + "\"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% "
      + "%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n";
  private static final Map<String, String> JSON_FIELDS = jsonFields();

  private Observability() {
  }

  /** The access log of every HTTP connection manager and TCP proxy, or none when the mesh turns it off. */
  static List<AccessLog> accessLogs(MeshConfig mesh) {
    if (mesh.accessLogFile().isEmpty()) {
      return List.of();
    }
    SubstitutionFormatString.Builder format = SubstitutionFormatString.newBuilder();
    if (mesh.accessLogJson()) {
      Struct.Builder json = Struct.newBuilder();
      JSON_FIELDS.forEach((k, v) -> json.putFields(k, Value.newBuilder().setStringValue(v).build()));
      format.setJsonFormat(json);
    } else {
      String text = mesh.accessLogFormat().isEmpty() ? TEXT_FORMAT : mesh.accessLogFormat();
      format.setTextFormatSource(DataSource.newBuilder()
          .setInlineString(text.endsWith("\n") ? text : text + "\n"));
    }
    FileAccessLog file = FileAccessLog.newBuilder().setPath(mesh.accessLogFile()).setLogFormat(format).build();
    return List.of(AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(file)).build());
  }

  /** Zipkin tracing with B3 propagation for an HTTP connection manager, when the mesh has a collector. */
  static Optional<HttpConnectionManager.Tracing> tracing(MeshConfig mesh) {
    if (!mesh.tracing()) {
      return Optional.empty();
    }
    ZipkinConfig zipkin = ZipkinConfig.newBuilder()
        .setCollectorCluster(ZIPKIN_CLUSTER)
        .setCollectorEndpoint("/api/v2/spans")
        .setCollectorEndpointVersion(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON)
        .setTraceId128Bit(true)
        .setSharedSpanContext(BoolValue.of(false))
        .build();
    return Optional.of(HttpConnectionManager.Tracing.newBuilder()
        .setRandomSampling(Percent.newBuilder().setValue(mesh.samplingPercent()))
        .setOverallSampling(Percent.newBuilder().setValue(100))
        .setClientSampling(Percent.newBuilder().setValue(100))
        .setProvider(Tracing.Http.newBuilder().setName("envoy.tracers.zipkin").setTypedConfig(Any.pack(zipkin)))
        .build());
  }

  /** The collector cluster: resolved by DNS unless the address is an IP. */
  static Optional<Cluster> zipkinCluster(MeshConfig mesh) {
    if (!mesh.tracing()) {
      return Optional.empty();
    }
    int colon = mesh.zipkinAddress().lastIndexOf(':');
    String host = mesh.zipkinAddress().substring(0, colon);
    int port = Integer.parseInt(mesh.zipkinAddress().substring(colon + 1));
    boolean ip = Hosts.isIpv4(host);
    return Optional.of(Cluster.newBuilder()
        .setName(ZIPKIN_CLUSTER)
        .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
        .setConnectTimeout(Protos.duration(mesh.connectTimeout()))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(ZIPKIN_CLUSTER)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(EndpointBuilder.lbEndpoint(host, port, 0))))
        .build());
  }

  private static Map<String, String> jsonFields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("start_time", "%START_TIME%");
    m.put("method", "%REQ(:METHOD)%");
    m.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
    m.put("protocol", "%PROTOCOL%");
    m.put("response_code", "%RESPONSE_CODE%");
    m.put("response_flags", "%RESPONSE_FLAGS%");
    m.put("response_code_details", "%RESPONSE_CODE_DETAILS%");
    m.put("connection_termination_details", "%CONNECTION_TERMINATION_DETAILS%");
    m.put("upstream_transport_failure_reason", "%UPSTREAM_TRANSPORT_FAILURE_REASON%");
    m.put("bytes_received", "%BYTES_RECEIVED%");
    m.put("bytes_sent", "%BYTES_SENT%");
    m.put("duration", "%DURATION%");
    m.put("upstream_service_time", "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%");
    m.put("x_forwarded_for", "%REQ(X-FORWARDED-FOR)%");
    m.put("user_agent", "%REQ(USER-AGENT)%");
    m.put("request_id", "%REQ(X-REQUEST-ID)%");
    m.put("authority", "%REQ(:AUTHORITY)%");
    m.put("upstream_host", "%UPSTREAM_HOST%");
    m.put("upstream_cluster", "%UPSTREAM_CLUSTER_RAW%");
    m.put("upstream_local_address", "%UPSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_local_address", "%DOWNSTREAM_LOCAL_ADDRESS%");
    m.put("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%");
    m.put("requested_server_name", "%REQUESTED_SERVER_NAME%");
    m.put("route_name", "%ROUTE_NAME%");
    return m;
  }
}
