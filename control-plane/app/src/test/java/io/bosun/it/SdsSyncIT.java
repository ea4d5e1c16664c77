package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.bosun.certs.Certificates;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.resources.XdsResources;
import io.bosun.xds.XdsServer;
import io.bosun.xds.status.ProxySync;
import io.bosun.xds.status.SyncState;
import io.bosun.xds.status.TypeSync;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finding 12: with several secrets, a real Envoy that rejects one SDS update must show ERROR for
 * SDS in syncz, never SYNCED with the rejected version as "acked". The xDS server is driven
 * directly, since Bosun's validation would never let such a Secret through.
 */
public class SdsSyncIT {
  public static Listener tlsListener(String name, int port, String secret) {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(secret).setSdsConfig(
            ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
                .setResourceApiVersion(ApiVersion.V3)))).build();
    return Listener.newBuilder().setName(name).setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))
        .addFilterChains(FilterChain.newBuilder()
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(tls)))
            .addFilters(Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(
                TcpProxy.newBuilder().setStatPrefix(name).setCluster("none").build()))))
        .build();
  }

  public static Secret secret(String name, String certPem, String keyPem) {
    return Secret.newBuilder().setName(name).setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(certPem)))
        .setPrivateKey(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(keyPem)))).build();
  }

  @Test
  void aRejectedSdsUpdateIsNeverReportedSynced() throws Exception {
    Certificates ca = Certificates.newAuthority("sds-it", Duration.ofDays(1));
    Certificates.Issued a = ca.issue(List.of("a.example.com"), Duration.ofDays(1));
    Certificates.Issued b = ca.issue(List.of("b.example.com"), Duration.ofDays(1));
    List<Listener> listeners = List.of(tlsListener("a", Ports.freePort(), "a"), tlsListener("b", Ports.freePort(),
        "b"));
    XdsResources good = new XdsResources(List.of(), List.of(), listeners, List.of(),
        List.of(secret("a", a.certificatePem(), a.privateKeyPem()), secret("b", b.certificatePem(),
            b.privateKeyPem())));
    // then a's certificate with b's key: Envoy refuses the update (KEY_VALUES_MISMATCH)
    XdsResources bad = new XdsResources(List.of(), List.of(), listeners, List.of(),
        List.of(secret("a", a.certificatePem(), b.privateKeyPem()), secret("b", b.certificatePem(),
            b.privateKeyPem())));
    List<String> groups = new ArrayList<>();
    try (XdsServer xds = new XdsServer(new InetSocketAddress("127.0.0.1", 0), node -> "g",
        (group, node) -> groups.add(group))) {
      xds.start();
      xds.setResources("g", good);
      int admin = Ports.freePort();
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
          "router~127.0.0.1~gw-1.istio-system~istio-system.svc.cluster.local").xds("127.0.0.1", xds.port())
          .adminPort(admin))) {
        await("SDS synced").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> sds(xds) == SyncState.SYNCED);
        xds.setResources("g", bad);
        await("the NACK seen").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> xds.syncTracker()
            .rejects("SDS") > 0);
        // whatever Envoy sends next about its other secret, the type stays in error
        for (int i = 0; i < 20; i++) {
          Thread.sleep(100);
          TypeSync t = typeSync(xds);
          assertThat(t.state()).as("SDS after a NACK: %s", t).isEqualTo(SyncState.ERROR);
          assertThat(t.ackedVersion()).isNotEqualTo(bad.secretsVersion());
        }
        assertThat(envoy.isAlive()).isTrue();
      }
    }
  }

  @Test
  void aSecretRejectedFromTheStartIsNeverReportedSynced() throws Exception {
    Certificates ca = Certificates.newAuthority("sds-it", Duration.ofDays(1));
    Certificates.Issued a = ca.issue(List.of("a.example.com"), Duration.ofDays(1));
    Certificates.Issued b = ca.issue(List.of("b.example.com"), Duration.ofDays(1));
    List<Listener> listeners = List.of(tlsListener("a", Ports.freePort(), "a"), tlsListener("b", Ports.freePort(),
        "b"));
    XdsResources bad = new XdsResources(List.of(), List.of(), listeners, List.of(),
        List.of(secret("a", a.certificatePem(), b.privateKeyPem()), secret("b", b.certificatePem(),
            b.privateKeyPem())));
    try (XdsServer xds = new XdsServer(new InetSocketAddress("127.0.0.1", 0), node -> "g",
        (group, node) -> { })) {
      xds.start();
      xds.setResources("g", bad);
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
          "router~127.0.0.1~gw-1.istio-system~istio-system.svc.cluster.local").xds("127.0.0.1", xds.port())
          .adminPort(Ports.freePort()))) {
        await("the NACK seen").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> xds.syncTracker()
            .rejects("SDS") > 0);
        for (int i = 0; i < 30; i++) {
          Thread.sleep(100);
          TypeSync t = typeSync(xds);
          assertThat(t.state()).as("SDS after a NACK: %s", t).isEqualTo(SyncState.ERROR);
        }
        assertThat(envoy.isAlive()).as("Envoy keeps running on what it rejected").isTrue();
      }
    }
  }

  static TypeSync typeSync(XdsServer xds) {
    ProxySync p = xds.syncTracker().snapshot().get(0);
    return p.types().stream().filter(t -> t.type().equals("SDS")).findFirst().orElseThrow();
  }

  static SyncState sds(XdsServer xds) {
    return xds.syncTracker().snapshot().isEmpty() ? SyncState.NOT_SENT : typeSync(xds).state();
  }
}
