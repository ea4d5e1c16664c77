package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.certs.Certificates;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.RawHttp;
import io.bosun.testing.TlsPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway servers other than plain HTTP, through a real Envoy: HTTPS terminated with the
 * certificate chosen by SNI, MUTUAL TLS, httpsRedirect, TLS PASSTHROUGH to tls routes by SNI,
 * and TCP servers with tcp routes.
 */
class GatewayTlsIT {
  @TempDir
  static Path config;
  @TempDir
  static Path certs;
  static Certificates ca;
  static EchoServer web;
  static TlsPeers.Server passBackend;
  static TlsPeers.Server echo;
  static GatewayHarness harness;
  static int http;
  static int https;
  static int mtls;
  static int pass;
  static int tcp;

  @BeforeAll
  static void start() throws Exception {
    ca = Certificates.newAuthority("test-ca", Duration.ofDays(1));
    Files.writeString(certs.resolve("ca.crt"), ca.authority().certificatePem());
    for (String host : List.of("a.example.com", "b.example.com", "m.example.com", "*.wild.example.com")) {
      Certificates.Issued id = ca.issue(List.of(host), Duration.ofDays(1));
      Files.writeString(certs.resolve(host + ".crt"), id.certificatePem());
      Files.writeString(certs.resolve(host + ".key"), id.privateKeyPem());
    }
    web = new EchoServer("web", "v1", 0);
    passBackend = TlsPeers.httpsServer(ca, ca.issue(List.of("pass.example.com"), Duration.ofDays(1)),
        "passthrough backend");
    echo = TlsPeers.tcpEcho("echo: ");
    http = Ports.freePort();
    https = Ports.freePort();
    mtls = Ports.freePort();
    pass = Ports.freePort();
    tcp = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port()) + """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: pass-backend}
        spec:
          hosts: [pass.example.com]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{name: tls, number: 443, protocol: TLS}]
          endpoints: [{address: 127.0.0.1, ports: {tls: %6$d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: echo}
        spec:
          hosts: [echo.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: tcp, number: 9000, protocol: TCP}]
          endpoints: [{address: 127.0.0.1, ports: {tcp: %7$d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: %1$d, name: http, protocol: HTTP}
            hosts: [a.example.com]
            tls: {httpsRedirect: true}
          - port: {number: %1$d, name: http-plain, protocol: HTTP}
            hosts: [plain.example.com]
          - port: {number: %2$d, name: https-a, protocol: HTTPS}
            hosts: [a.example.com]
            tls: {mode: SIMPLE, serverCertificate: %8$s/a.example.com.crt, privateKey: %8$s/a.example.com.key}
          - port: {number: %2$d, name: https-b, protocol: HTTPS}
            hosts: [b.example.com]
            tls: {mode: SIMPLE, serverCertificate: %8$s/b.example.com.crt, privateKey: %8$s/b.example.com.key}
          - port: {number: %2$d, name: https-wild, protocol: HTTPS}
            hosts: ["*.wild.example.com"]
            tls: {mode: SIMPLE, serverCertificate: "%8$s/*.wild.example.com.crt", privateKey: "%8$s/*.wild.example.com.key"}
          - port: {number: %3$d, name: https-m, protocol: HTTPS}
            hosts: [m.example.com]
            tls:
              mode: MUTUAL
              serverCertificate: %8$s/m.example.com.crt
              privateKey: %8$s/m.example.com.key
              caCertificates: %8$s/ca.crt
          - port: {number: %4$d, name: tls-pass, protocol: TLS}
            hosts: [pass.example.com]
            tls: {mode: PASSTHROUGH}
          - port: {number: %5$d, name: tcp, protocol: TCP}
            hosts: ["*"]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [a.example.com, b.example.com, m.example.com, plain.example.com, "*.wild.example.com"]
          gateways: [gw]
          http: [{route: [{destination: {host: web.default.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: pass}
        spec:
          hosts: [pass.example.com]
          gateways: [gw]
          tls:
          - match: [{sniHosts: [pass.example.com], port: %4$d}]
            route: [{destination: {host: pass.example.com, port: {number: 443}}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: echo}
        spec:
          hosts: ["*"]
          gateways: [gw]
          tcp:
          - match: [{port: %5$d}]
            route: [{destination: {host: echo.default.svc.cluster.local, port: {number: 9000}}}]
        """.formatted(http, https, mtls, pass, tcp, passBackend.port(), echo.port(), certs));
    harness.gateway.waitFor("all gateway listeners", () -> harness.gateway.configDump().contains("0.0.0.0_" + tcp),
        Duration.ofSeconds(15));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, web, passBackend, echo}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @Test
  void httpsIsTerminatedWithTheCertificateTheClientsSniAsksFor() throws IOException {
    SSLContext client = TlsPeers.context(ca, null);
    TlsPeers.Exchange a = TlsPeers.get(client, https, "a.example.com", "a.example.com", "/x");
    assertThat(a.serverName()).isEqualTo("CN=a.example.com");
    assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(a.body()).startsWith("web v1");
    TlsPeers.Exchange b = TlsPeers.get(TlsPeers.context(ca, null), https, "b.example.com", "b.example.com", "/x");
    assertThat(b.serverName()).isEqualTo("CN=b.example.com");
    assertThat(b.statusLine()).isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void aWildcardServerTakesEveryNameUnderIt() throws IOException {
    TlsPeers.Exchange e = TlsPeers.get(TlsPeers.context(ca, null), https, "shop.wild.example.com",
        "shop.wild.example.com", "/x");
    assertThat(e.serverName()).isEqualTo("CN=*.wild.example.com");
    assertThat(e.statusLine()).isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void mutualTlsAdmitsOnlyClientsWithACertificateFromTheCa() throws IOException {
    Certificates.Issued clientId = ca.issue(List.of("client.example.com"), Duration.ofDays(1));
    TlsPeers.Exchange ok = TlsPeers.get(TlsPeers.context(ca, clientId), mtls, "m.example.com", "m.example.com", "/");
    assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(ok.serverName()).isEqualTo("CN=m.example.com");
    String without;
    try {
      without = TlsPeers.get(TlsPeers.context(ca, null), mtls, "m.example.com", "m.example.com", "/").statusLine();
    } catch (IOException e) {
      without = "refused: " + e.getClass().getSimpleName();
    }
    assertThat(without).as("a client without a certificate").doesNotContain("200");
    Certificates other = Certificates.newAuthority("other-ca", Duration.ofDays(1));
    String foreign;
    try {
      foreign = TlsPeers.get(TlsPeers.context(ca, other.issue(List.of("x"), Duration.ofDays(1))), mtls,
          "m.example.com", "m.example.com", "/").statusLine();
    } catch (IOException e) {
      foreign = "refused: " + e.getClass().getSimpleName();
    }
    assertThat(foreign).as("a client certificate from another CA").doesNotContain("200");
  }

  @Test
  void httpsRedirectAppliesToItsServersHostsOnly() {
    String redirected = RawHttp.get(http, "a.example.com", "/page");
    assertThat(redirected).startsWith("HTTP/1.1 301").containsIgnoringCase("location: https://a.example.com/page");
    assertThat(RawHttp.get(http, "plain.example.com", "/page")).startsWith("HTTP/1.1 200");
  }

  @Test
  void passthroughHandsTheTlsConnectionToTheBackendChosenBySni() throws IOException {
    TlsPeers.Exchange e = TlsPeers.get(TlsPeers.context(ca, null), pass, "pass.example.com", "pass.example.com", "/");
    assertThat(e.serverName()).as("the backend's own certificate: the gateway did not terminate")
        .isEqualTo("CN=pass.example.com");
    assertThat(e.body()).startsWith("passthrough backend").contains("sni: pass.example.com");
    String other;
    try {
      other = TlsPeers.get(TlsPeers.context(ca, null), pass, "unknown.example.com", "x", "/").statusLine();
    } catch (IOException ex) {
      other = "refused: " + ex.getClass().getSimpleName();
    }
    assertThat(other).as("an SNI no tls route claims").startsWith("refused");
  }

  @Test
  void tcpServersForwardToTheTcpRoute() throws IOException {
    assertThat(TlsPeers.tcpLine(tcp, "hello")).isEqualTo("echo: hello");
  }
}
