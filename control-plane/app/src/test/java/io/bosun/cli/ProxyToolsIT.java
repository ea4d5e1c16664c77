package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.certs.Certificates;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.it.SdsSyncIT;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.resources.XdsResources;
import io.bosun.testing.BosunctlRun;
import io.bosun.testing.GatewayHarness;
import io.bosun.xds.XdsServer;
import io.bosun.xds.status.ProxyStatusReport;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bosunctl proxy-status and proxy-config against real Envoys: with standalone Bosun, every type
 * SYNCED once the gateway converged, and proxy-config's tables list what the same Envoy's own
 * config_dump holds, never a private key; with the xDS server driven directly, ERROR after Envoy
 * NACKs a Secret.
 */
class ProxyToolsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GATEWAY = "gw.istio-system";

  @TempDir
  Path config;

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String yaml(int web, int http, int https, Certificates.Issued cert) {
    return GatewayHarness.serviceEntry("web", web) + """
        apiVersion: v1
        kind: Secret
        metadata: {name: web-cert, namespace: istio-system}
        type: kubernetes.io/tls
        data: {tls.crt: %s, tls.key: %s}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: %d, name: http, protocol: HTTP}
            hosts: ["*"]
          - port: {number: %d, name: https, protocol: HTTPS}
            hosts: [web.example.com]
            tls: {mode: SIMPLE, credentialName: web-cert}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /api}}]
            route: [{destination: {host: web.default.svc.cluster.local}}]
          - route: [{destination: {host: web.default.svc.cluster.local}}]
        """.formatted(b64(cert.certificatePem()), b64(cert.privateKeyPem()), http, https);
  }

  private static String bosunctl(String... args) {
    return BosunctlRun.ok(args);
  }


  /** A table's body rows, cells split where columns are (three or more spaces). */
  private static List<List<String>> rows(String table) {
    List<List<String>> rows = new ArrayList<>();
    table.lines().skip(1).forEach(l -> rows.add(Arrays.asList(l.strip().split("\\s{3,}"))));
    return rows;
  }

  private static List<String> gatewayStates(String table) {
    return states(table, GATEWAY);
  }

  private static List<String> states(String table, String proxy) {
    return rows(table).stream().filter(r -> r.get(0).equals(proxy)).findFirst()
        .map(r -> r.subList(2, 7)).orElse(List.of());
  }

  @Test
  void proxyStatusAndProxyConfigAgreeWithEnvoy() throws Exception {
    Certificates ca = Certificates.newAuthority("tools-it", Duration.ofDays(1));
    Certificates.Issued cert = ca.issue(List.of("web.example.com"), Duration.ofDays(1));
    int http = Ports.freePort();
    int https = Ports.freePort();
    try (EchoServer web = new EchoServer("web", "v1", 0);
         GatewayHarness h = GatewayHarness.start(config, yaml(web.port(), http, https, cert))) {
      String bosun = "127.0.0.1:" + h.bosun.monitoringPort();
      String admin = "127.0.0.1:" + h.gateway.adminPort();
      await("every type SYNCED").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> gatewayStates(bosunctl("proxy-status", "--bosun-address", bosun)),
              s -> s.equals(List.of("SYNCED", "SYNCED", "SYNCED", "SYNCED", "SYNCED")));
      String status = bosunctl("proxy-status", GATEWAY, "--bosun-address", bosun);
      assertThat(rows(status).get(0).get(8)).as("the proxy's version").isEqualTo(EnvoyBootstraps.version());
      assertThat(status.lines().findFirst().orElseThrow())
          .matches("NAME +CLUSTER +CDS +LDS +EDS +RDS +SDS +BOSUN +VERSION");
      assertThat(rows(status)).hasSize(1);

      JsonNode dump = JSON.readTree(h.gateway.adminGet("/config_dump?include_eds"));
      checkClusters(dump, bosunctl("proxy-config", "cluster", GATEWAY, "--admin-address", admin));
      checkListeners(dump, bosunctl("proxy-config", "listener", GATEWAY, "--admin-address", admin));
      checkRoutes(dump, bosunctl("proxy-config", "route", GATEWAY, "--admin-address", admin));
      checkEndpoints(dump, bosunctl("proxy-config", "endpoint", GATEWAY, "--admin-address", admin));
      checkSecrets(dump, cert, admin);
    }
  }

  @Test
  void proxyStatusShowsErrorAfterANack() throws Exception {
    Certificates ca = Certificates.newAuthority("tools-it", Duration.ofDays(1));
    Certificates.Issued a = ca.issue(List.of("a.example.com"), Duration.ofDays(1));
    Certificates.Issued b = ca.issue(List.of("b.example.com"), Duration.ofDays(1));
    List<Listener> listeners = List.of(SdsSyncIT.tlsListener("a", Ports.freePort(), "a"));
    XdsResources good = new XdsResources(List.of(), List.of(), listeners, List.of(),
        List.of(SdsSyncIT.secret("a", a.certificatePem(), a.privateKeyPem())));
    // a's certificate with b's key: Envoy refuses the update (KEY_VALUES_MISMATCH), which Bosun's own
    // validation would never let through, so the xDS server is driven directly
    XdsResources bad = new XdsResources(List.of(), List.of(), listeners, List.of(),
        List.of(SdsSyncIT.secret("a", a.certificatePem(), b.privateKeyPem())));
    try (XdsServer xds = new XdsServer(new InetSocketAddress("127.0.0.1", 0), node -> "g", (group, node) -> { })) {
      xds.start();
      xds.setResources("g", good);
      try (MonitoringServer m = new MonitoringServer(new MonitoringServer.Settings(
              new InetSocketAddress("127.0.0.1", 0), null, false), () -> true, () -> "",
              Map.of("proxy-status", q -> ProxyStatusReport.of(xds.syncTracker(), "bosun-it-0", "9.9"))).start();
           EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
               "router~127.0.0.1~gw-1.istio-system~istio-system.svc.cluster.local").xds("127.0.0.1", xds.port())
               .adminPort(Ports.freePort()))) {
        String bosun = "127.0.0.1:" + m.port();
        await("LDS and SDS SYNCED").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> states(bosunctl("proxy-status", "--bosun-address", bosun), "gw-1.istio-system"),
                s -> s.size() == 5 && s.get(1).equals("SYNCED") && s.get(4).equals("SYNCED"));
        xds.setResources("g", bad);
        await("SDS in ERROR").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> states(bosunctl("proxy-status", "--bosun-address", bosun), "gw-1.istio-system").get(4),
                "ERROR"::equals);
        String table = bosunctl("proxy-status", "--bosun-address", bosun);
        assertThat(states(table, "gw-1.istio-system").get(1)).as("LDS").isEqualTo("SYNCED");
        // the replica, and the proxy's own version (what the Bosun that wrote its bootstrap says)
        assertThat(rows(table).get(0).subList(7, 9)).containsExactly("bosun-it-0", EnvoyBootstraps.version());
        assertThat(envoy.isAlive()).isTrue();
      }
    }
  }

  private static void checkClusters(JsonNode dump, String table) {
    Set<String> expected = new TreeSet<>();
    for (JsonNode c : ConfigDumpTables.clusters(dump)) {
      String[] p = c.path("name").asText().split("\\|", -1);
      expected.add(p.length == 4 ? p[3] + " " + p[1] + " " + p[0] : p[0] + " - -");
    }
    Set<String> shown = new TreeSet<>();
    rows(table).forEach(r -> shown.add(r.get(0) + " " + r.get(1) + " " + r.get(3)));
    assertThat(shown).isEqualTo(expected).contains("web.default.svc.cluster.local 80 outbound");
  }

  private static void checkListeners(JsonNode dump, String table) {
    Set<String> expected = new TreeSet<>();
    for (JsonNode l : ConfigDumpTables.listeners(dump)) {
      JsonNode s = l.path("address").path("socket_address");
      expected.add(s.path("address").asText() + " " + s.path("port_value").asText());
    }
    Set<String> shown = new TreeSet<>();
    rows(table).forEach(r -> shown.add(r.get(0) + " " + r.get(1)));
    assertThat(shown).isEqualTo(expected).hasSizeGreaterThanOrEqualTo(2);
  }

  private static void checkRoutes(JsonNode dump, String table) {
    Set<String> expected = new TreeSet<>();
    for (JsonNode rc : ConfigDumpTables.routeConfigs(dump)) {
      rc.path("virtual_hosts").forEach(vh -> expected.add(rc.path("name").asText() + " " + vh.path("name").asText()));
    }
    Set<String> shown = new TreeSet<>();
    rows(table).forEach(r -> shown.add(r.get(0) + " " + r.get(1)));
    assertThat(shown).isEqualTo(expected).isNotEmpty();
    assertThat(table).contains("/api*");
  }

  private static void checkEndpoints(JsonNode dump, String table) {
    Set<String> expected = new TreeSet<>();
    for (JsonNode e : ConfigDumpTables.section(dump, "EndpointsConfigDump").path("dynamic_endpoint_configs")) {
      JsonNode cla = e.path("endpoint_config");
      for (JsonNode locality : cla.path("endpoints")) {
        for (JsonNode lb : locality.path("lb_endpoints")) {
          JsonNode s = lb.path("endpoint").path("address").path("socket_address");
          expected.add(s.path("address").asText() + ":" + s.path("port_value").asText() + " "
              + cla.path("cluster_name").asText());
        }
      }
    }
    Set<String> shown = new TreeSet<>();
    rows(table).stream().filter(r -> r.get(3).contains("|")).forEach(r -> shown.add(r.get(0) + " " + r.get(3)));
    assertThat(shown).isEqualTo(expected).isNotEmpty();
  }

  private void checkSecrets(JsonNode dump, Certificates.Issued cert, String admin) {
    Set<String> expected = new TreeSet<>();
    ConfigDumpTables.section(dump, "SecretsConfigDump").path("dynamic_active_secrets")
        .forEach(s -> expected.add(s.path("name").asText()));
    String table = bosunctl("proxy-config", "secret", GATEWAY, "--admin-address", admin);
    Set<String> shown = new TreeSet<>();
    rows(table).forEach(r -> shown.add(r.get(0)));
    assertThat(shown).isEqualTo(expected).anyMatch(n -> n.contains("web-cert"));
    assertThat(table).contains(cert.certificate().getSerialNumber().toString(16));
    String keyBody = cert.privateKeyPem().lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    for (String format : List.of("short", "json", "yaml")) {
      String out = bosunctl("proxy-config", "secret", GATEWAY, "--admin-address", admin, "-o", format);
      assertThat(out).as(format).doesNotContain("PRIVATE KEY").doesNotContain(keyBody)
          .doesNotContain(b64(cert.privateKeyPem())).doesNotContain("private_key");
    }
  }
}
