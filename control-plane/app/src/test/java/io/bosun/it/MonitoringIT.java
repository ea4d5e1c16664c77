package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} and the debug pages against a real Envoy: the metrics move with the events
 * they count (a connected gateway, a push after a config change, a NACK), the histograms are
 * there, and every listed debug page answers JSON.
 */
class MonitoringIT {
  private static final String GATEWAY = "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path config;
  static EchoServer web;
  static GatewayHarness harness;

  @BeforeAll
  static void start() throws Exception {
    web = new EchoServer("web", "v1", 0);
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port())
        + GatewayHarness.gateway(Ports.freePort()) + GatewayHarness.virtualService("one"));
    await("the gateway is synced").atMost(Duration.ofSeconds(20)).until(() -> value("pilot_xds_pushes_total",
        "type=\"lds\"") > 0);
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    if (web != null) {
      web.close();
    }
  }


  @Test
  void aConnectedProxyIsCountedByType() throws Exception {
    assertThat(value("pilot_xds", "type=\"router\",version=\"" + EnvoyBootstraps.version() + "\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(value("pilot_virt_services", "")).isGreaterThanOrEqualTo(1);
    assertThat(value("pilot_services", "")).isEqualTo(1);
    assertThat(metrics()).contains("pilot_info{version=\"").contains("jvm_memory_used_bytes{")
        .contains("jvm_threads_live_threads").contains("process_cpu_usage");
  }

  @Test
  void aConfigChangeIsTriggeredDebouncedPushedAndTimed() throws Exception {
    double triggers = value("pilot_push_triggers_total", "type=\"config\"");
    double rds = value("pilot_xds_pushes_total", "type=\"rds\"");
    double pushTimes = value("pilot_xds_push_time_count", "");
    double virtualServices = value("pilot_virt_services", "");
    Files.writeString(config.resolve("two.yaml"), GatewayHarness.virtualService("two"));
    await("a push of the new route").atMost(Duration.ofSeconds(10))
        .until(() -> value("pilot_xds_pushes_total", "type=\"rds\"") > rds);
    assertThat(value("pilot_push_triggers_total", "type=\"config\"")).isGreaterThan(triggers);
    assertThat(value("pilot_xds_push_time_count", "")).isGreaterThan(pushTimes);
    assertThat(value("pilot_virt_services", "")).isEqualTo(virtualServices + 1);
    String m = metrics();
    for (String histogram : new String[] {"pilot_xds_push_time", "pilot_proxy_convergence_time",
        "pilot_debounce_time"}) {
      assertThat(m).contains(histogram + "_bucket{le=\"0.1\"}", histogram + "_bucket{le=\"+Inf\"}",
          histogram + "_count ", histogram + "_sum ");
      assertThat(value(histogram + "_count", "")).isPositive();
    }
    assertThat(value("pilot_xds_config_size_bytes_count", "type=\"lds\"")).isPositive();
    assertThat(value("pilot_xds_config_size_bytes_sum", "type=\"rds\"")).isPositive();
    assertThat(m).contains("pilot_xds_config_size_bytes_bucket{type=\"lds\",le=\"10000.0\"}");
  }

  @Test
  void aNackIsCountedByType() throws Exception {
    double before = value("pilot_total_xds_rejects_total", "type=\"lds\"");
    // a port taken on the machine: Envoy NACKs the listener, which no config check can foresee
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      Path gw = config.resolve("taken.yaml");
      Files.writeString(gw, GatewayHarness.takenPortGateway(taken.getLocalPort()));
      String node = "router~127.0.0.3~taken.istio-system~istio-system.svc.cluster.local";
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(node)
          .namespace("istio-system").labels(Map.of("istio", "taken-port"))
          .xds("127.0.0.1", harness.bosun.xdsPort()).adminPort(Ports.freePort()))) {
        await("an LDS NACK counted").atMost(Duration.ofSeconds(15))
            .until(() -> value("pilot_total_xds_rejects_total", "type=\"lds\"") > before);
        assertThat(value("pilot_xds", "type=\"router\",version=\"" + EnvoyBootstraps.version() + "\"")).isEqualTo(2);
        assertThat(value("pilot_total_xds_rejects_total", "type=\"cds\"")).isZero();
        assertThat(envoy.isAlive()).isTrue();
      } finally {
        Files.delete(gw);
      }
    }
  }

  @Test
  void everyListedDebugPageAnswersJson() throws Exception {
    JsonNode list = JSON.readTree(get("/debug/list"));
    assertThat(list.path("pages")).extracting(JsonNode::asText).contains("/debug/configz", "/debug/syncz",
        "/debug/registryz", "/debug/endpointz", "/debug/adsz", "/debug/config_dump", "/debug/push_status");
    for (JsonNode page : list.path("pages")) {
      assertThat(JSON.readTree(get(page.asText()))).as(page.asText()).isNotNull();
    }
    JsonNode gateway = null;
    for (JsonNode p : JSON.readTree(get("/debug/syncz"))) {
      if (p.path("proxy").asText().equals(GATEWAY)) {
        gateway = p;
      }
    }
    assertThat(gateway).isNotNull();
    assertThat(gateway.path("type").asText()).isEqualTo("router");
    assertThat(gateway.path("LDS").path("acked").asText()).isNotEmpty();
    assertThat(gateway.path("LDS").path("nonce").asText()).isNotEmpty();
    JsonNode dump = JSON.readTree(get("/debug/config_dump?proxyID=" + URLEncoder.encode(GATEWAY,
        StandardCharsets.UTF_8)));
    assertThat(dump.path("listeners").size()).isPositive();
    assertThat(dump.path("listeners").get(0).path("name").asText()).startsWith("0.0.0.0_");
    assertThat(dump.path("routes").toString()).contains("one.example.com");
    assertThat(JSON.readTree(get("/debug/config_dump?proxyID=nobody")).path("error").asText()).contains("nobody");
    assertThat(JSON.readTree(get("/debug/registryz")).toString()).contains("\"ServiceEntry\"", "\"web\"");
    assertThat(JSON.readTree(get("/debug/endpointz")).toString())
        .contains("outbound|80||web.default.svc.cluster.local", "127.0.0.1:" + web.port());
    assertThat(JSON.readTree(get("/debug/adsz")).toString()).contains(GATEWAY);
    JsonNode push = JSON.readTree(get("/debug/push_status"));
    assertThat(push.path("pushes").asLong()).isPositive();
    assertThat(push.path("time").asText()).isNotEmpty();
    assertThat(push.path("triggers").isObject()).isTrue();
  }

  private static String metrics() throws Exception {
    return get("/metrics");
  }

  /** The value of one sample; {@code labels} as Prometheus prints them, "" for none. */
  private static double value(String name, String labels) throws Exception {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + (labels.isEmpty() ? "" : "{" + labels + "}"))
        + " (\\S+)$").matcher(metrics());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static String get(String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + harness.bosun.monitoringPort() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }
}
