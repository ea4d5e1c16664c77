package io.bosun.translate;

import com.google.protobuf.Any;
import io.bosun.model.Hosts;
import io.bosun.model.TrafficPolicy;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** DestinationRule {@code tls}: the client side of TLS to a destination (SIMPLE, MUTUAL). */
final class UpstreamTls {
  /** Where Debian-based images (Envoy's among them) keep the system CAs; used when no CA is given, as Istio does. */
  static final String SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt";

  private UpstreamTls() {
  }

  /** The transport socket, or null for DISABLE. */
  static TransportSocket socket(TrafficPolicy.ClientTls tls, String host) {
    if (tls == null || !(tls.mode().equals("SIMPLE") || tls.mode().equals("MUTUAL"))) {
      return null;
    }
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
    for (String san : tls.subjectAltNames()) {
      validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
          .setSanType(SubjectAltNameMatcher.SanType.DNS).setMatcher(StringMatcher.newBuilder().setExact(san)));
    }
    boolean mutual = tls.mode().equals("MUTUAL");
    if (!tls.credentialName().isEmpty()) {
      if (mutual) {
        common.addTlsCertificateSdsSecretConfigs(sds(SecretBuilder.PREFIX + tls.credentialName()));
      }
      if (!tls.insecureSkipVerify()) {
        common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(validation)
            .setValidationContextSdsSecretConfig(sds(SecretBuilder.PREFIX + tls.credentialName()
                + SecretBuilder.CA_SUFFIX)));
      }
    } else {
      if (mutual) {
        common.addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setFilename(tls.clientCertificate()))
            .setPrivateKey(DataSource.newBuilder().setFilename(tls.privateKey())));
      }
      if (!tls.insecureSkipVerify()) {
        validation.setTrustedCa(DataSource.newBuilder()
            .setFilename(tls.caCertificates().isEmpty() ? SYSTEM_CAS : tls.caCertificates()));
        common.setValidationContext(validation);
      }
    }
    UpstreamTlsContext.Builder ctx = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
    // SNI: as configured, else the destination's name (an IP is never sent as SNI)
    String sni = !tls.sni().isEmpty() ? tls.sni() : Hosts.isIpv4(host) ? "" : host;
    if (!sni.isEmpty()) {
      ctx.setSni(sni);
    }
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(ctx.build()))
        .build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(Protos.ads()).build();
  }
}
