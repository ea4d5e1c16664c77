package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.model.Endpoint;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Mutual TLS between workloads with the certificates Bosun issues ({@code default}, {@code ROOTCA}
 * over SDS): the client side of ISTIO_MUTUAL and auto mTLS, the server side of a sidecar's inbound
 * chains. Peers are checked against the destination's SPIFFE identities.
 */
final class MeshTls {
  /** What meshed clients offer, as Istio's do; PERMISSIVE inbound chains tell mTLS from other TLS by it. */
  static final List<String> CLIENT_ALPN = List.of("istio-peer-exchange", "istio");
  static final List<String> SERVER_ALPN_MATCH = List.of("istio-peer-exchange", "istio", "istio-http/1.0",
      "istio-http/1.1", "istio-h2");
  /** The endpoint metadata auto mTLS matches on (Istio's). */
  static final String SOCKET_MATCH = "envoy.transport_socket_match";
  static final String TLS_MODE = "tlsMode";
  private static final String TLS = "envoy.transport_sockets.tls";

  private MeshTls() {
  }

  /** The SPIFFE identities of {@code endpoints} (their service accounts in the service's namespace), sorted. */
  static List<String> sans(String trustDomain, String namespace, Collection<Endpoint> endpoints) {
    TreeSet<String> out = new TreeSet<>();
    for (Endpoint e : endpoints) {
      if (!e.serviceAccount().isEmpty()) {
        out.add("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + e.serviceAccount());
      }
    }
    return List.copyOf(out);
  }

  /** ISTIO_MUTUAL: the workload certificate, the mesh's roots, the peer's identity among {@code sans}. */
  static TransportSocket client(String sni, List<String> sans) {
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
    for (String san : sans) {
      validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
          .setSanType(SubjectAltNameMatcher.SanType.URI).setMatcher(StringMatcher.newBuilder().setExact(san)));
    }
    CommonTlsContext common = CommonTlsContext.newBuilder()
        .addAllAlpnProtocols(CLIENT_ALPN)
        .addTlsCertificateSdsSecretConfigs(sds(Names.SDS_WORKLOAD_CERT))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(validation)
            .setValidationContextSdsSecretConfig(sds(Names.SDS_ROOT_CA)))
        .build();
    UpstreamTlsContext ctx = UpstreamTlsContext.newBuilder().setCommonTlsContext(common).setSni(sni).build();
    return TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(ctx)).build();
  }

  /**
   * Auto mTLS: mutual TLS to the endpoints whose metadata says they are meshed, plaintext to the
   * others (Istio's {@code tlsMode-istio} and {@code tlsMode-disabled} matches).
   */
  static void auto(Cluster.Builder cluster, String sni, List<String> sans) {
    cluster.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
            .setName("tlsMode-istio")
            .setMatch(Struct.newBuilder().putFields(TLS_MODE, Value.newBuilder().setStringValue("istio").build()))
            .setTransportSocket(client(sni, sans)))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
            .setName("tlsMode-disabled")
            .setMatch(Struct.getDefaultInstance())
            .setTransportSocket(plaintext()));
  }

  /** The metadata that marks a meshed endpoint for auto mTLS. */
  static Struct meshedEndpoint() {
    return Struct.newBuilder().putFields(TLS_MODE, Value.newBuilder().setStringValue("istio").build()).build();
  }

  static TransportSocket plaintext() {
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
        .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())).build();
  }

  /** The server side of a sidecar's mutual TLS: its workload certificate; a client certificate of the mesh required. */
  static TransportSocket server() {
    CommonTlsContext common = CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(sds(Names.SDS_WORKLOAD_CERT))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
            .setValidationContextSdsSecretConfig(sds(Names.SDS_ROOT_CA)))
        .build();
    DownstreamTlsContext ctx = DownstreamTlsContext.newBuilder().setCommonTlsContext(common)
        .setRequireClientCertificate(BoolValue.of(true)).build();
    return TransportSocket.newBuilder().setName(TLS).setTypedConfig(Any.pack(ctx)).build();
  }

  /**
   * {@code clusters} as a proxy without a workload certificate can use them: auto mTLS becomes
   * plaintext, and clusters that require mutual TLS (ISTIO_MUTUAL) are left out, since Envoy would
   * wait for a certificate that never comes. Returns {@code clusters} itself when nothing changes.
   */
  static List<Cluster> withoutCertificate(List<Cluster> clusters) {
    List<Cluster> out = new ArrayList<>(clusters.size());
    boolean changed = false;
    for (Cluster c : clusters) {
      if (c.hasTransportSocket() && usesCertificate(c.getTransportSocket())) {
        changed = true;
      } else if (c.getTransportSocketMatchesCount() > 0 && c.getTransportSocketMatchesList().stream()
          .anyMatch(m -> usesCertificate(m.getTransportSocket()))) {
        out.add(c.toBuilder().clearTransportSocketMatches().build());
        changed = true;
      } else {
        out.add(c);
      }
    }
    return changed ? List.copyOf(out) : clusters;
  }

  static boolean usesCertificate(TransportSocket socket) {
    if (!socket.getTypedConfig().is(UpstreamTlsContext.class)) {
      return false;
    }
    try {
      return socket.getTypedConfig().unpack(UpstreamTlsContext.class).getCommonTlsContext()
          .getTlsCertificateSdsSecretConfigsList().stream()
          .anyMatch(s -> s.getName().equals(Names.SDS_WORKLOAD_CERT));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a TLS context Bosun built cannot be read back", e);
    }
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(Protos.ads()).build();
  }
}
