package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.certs.Certificates;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.RawHttp;
import io.bosun.testing.TlsPeers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule tls through a real Envoy: the gateway originates TLS to real TLS backends
 * (SIMPLE with a CA and SNI, MUTUAL with certificate files or a Secret named by credentialName),
 * and refuses backends it cannot verify. Also a Gateway HTTPS server whose certificate comes
 * from a Secret.
 */
class TlsOriginationIT {
  @TempDir
  static Path config;
  @TempDir
  static Path certs;
  static Certificates ca;
  static TlsPeers.Server simple;
  static TlsPeers.Server mutual;
  static GatewayHarness harness;
  static int port;
  static int https;

  @BeforeAll
  static void start() throws Exception {
    ca = Certificates.newAuthority("backend-ca", Duration.ofDays(1));
    Certificates other = Certificates.newAuthority("other-ca", Duration.ofDays(1));
    Certificates.Issued client = ca.issue(List.of("gateway.example.com"), Duration.ofDays(1));
    Certificates.Issued secretClient = ca.issue(List.of("from-secret.example.com"), Duration.ofDays(1));
    Certificates.Issued gatewayCert = ca.issue(List.of("secure.example.com"), Duration.ofDays(1));
    write("ca.crt", ca.authority().certificatePem());
    write("other-ca.crt", other.authority().certificatePem());
    write("client.crt", client.certificatePem());
    write("client.key", client.privateKeyPem());
    simple = TlsPeers.httpsServer(ca, ca.issue(List.of("backend.example.com"), Duration.ofDays(1)), "simple backend");
    mutual = TlsPeers.httpsServer(ca, ca.issue(List.of("mtls.example.com"), Duration.ofDays(1)), "mutual backend",
        true);
    port = Ports.freePort();
    https = Ports.freePort();
    StringBuilder yaml = new StringBuilder(GatewayHarness.serviceEntry("simple", simple.port())
        + GatewayHarness.serviceEntry("wrongca", simple.port())
        + GatewayHarness.serviceEntry("mutual", mutual.port())
        + GatewayHarness.serviceEntry("nocert", mutual.port())
        + GatewayHarness.serviceEntry("bysecret", mutual.port())
        + GatewayHarness.gateway(port));
    yaml.append("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: secure}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: %d, name: https, protocol: HTTPS}
            hosts: [secure.example.com]
            tls: {mode: SIMPLE, credentialName: secure-cert}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: secure-cert, namespace: istio-system}
        type: kubernetes.io/tls
        data: {tls.crt: %s, tls.key: %s}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: client-cred, namespace: istio-system}
        type: Opaque
        data: {cert: %s, key: %s, cacert: %s}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: all}
        spec:
          hosts: ["*"]
          gateways: [gw, secure]
          http:
        """.formatted(https, b64(gatewayCert.certificatePem()), b64(gatewayCert.privateKeyPem()),
        b64(secretClient.certificatePem()), b64(secretClient.privateKeyPem()), b64(ca.authority().certificatePem())));
    for (String name : List.of("simple", "wrongca", "mutual", "nocert", "bysecret")) {
      yaml.append("  - match: [{uri: {prefix: /").append(name).append("}}]\n")
          .append("    route: [{destination: {host: ").append(name).append(".default.svc.cluster.local}}]\n");
    }
    yaml.append("---\n").append(rule("simple", "{mode: SIMPLE, caCertificates: %s/ca.crt, sni: backend.example.com}"))
        .append(rule("wrongca", "{mode: SIMPLE, caCertificates: %s/other-ca.crt}"))
        .append(rule("mutual", "{mode: MUTUAL, clientCertificate: %1$s/client.crt, privateKey: %1$s/client.key,"
            + " caCertificates: %1$s/ca.crt, subjectAltNames: [mtls.example.com]}"))
        .append(rule("nocert", "{mode: SIMPLE, caCertificates: %s/ca.crt}"))
        .append(rule("bysecret", "{mode: MUTUAL, credentialName: client-cred}"));
    harness = GatewayHarness.start(config, yaml.toString());
    await("the HTTPS listener").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
        harness.gateway.configDump().contains("0.0.0.0_" + https));
  }

  private static String rule(String host, String tls) {
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: %1$s}
        spec:
          host: %1$s.default.svc.cluster.local
          trafficPolicy: {tls: %2$s}
        ---
        """.formatted(host, tls.formatted(certs));
  }

  private static void write(String name, String pem) throws IOException {
    Files.writeString(certs.resolve(name), pem);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, simple, mutual}) {
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
  void simpleTlsIsVerifiedAgainstTheCaAndCarriesTheSni() {
    assertThat(RawHttp.get(port, "x", "/simple")).startsWith("HTTP/1.1 200").contains("simple backend",
        "sni: backend.example.com");
    assertThat(RawHttp.get(port, "x", "/wrongca")).as("a backend the CA did not sign").startsWith("HTTP/1.1 503");
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() {
    assertThat(RawHttp.get(port, "x", "/mutual")).startsWith("HTTP/1.1 200").contains("mutual backend",
        "client: CN=gateway.example.com", "sni: mutual.default.svc.cluster.local");
    assertThat(RawHttp.get(port, "x", "/nocert")).as("no client certificate").startsWith("HTTP/1.1 503");
  }

  @Test
  void credentialNameTakesTheClientCertificateFromASecret() {
    assertThat(RawHttp.get(port, "x", "/bysecret")).startsWith("HTTP/1.1 200")
        .contains("client: CN=from-secret.example.com");
  }

  @Test
  void aGatewayServerTakesItsCertificateFromASecret() throws Exception {
    TlsPeers.Exchange e = TlsPeers.get(TlsPeers.context(ca, null), https, "secure.example.com", "secure.example.com",
        "/simple");
    assertThat(e.serverName()).isEqualTo("CN=secure.example.com");
    assertThat(e.statusLine()).isEqualTo("HTTP/1.1 200 OK");
  }
}
