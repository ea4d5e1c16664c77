package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh config object (ConfigMap {@code istio}, key {@code mesh}) through a real Envoy:
 * default retry policy, access log to stdout, Zipkin tracing with B3 headers, and
 * outboundTrafficPolicy on a sidecar.
 */
class MeshConfigIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path config;
  static EchoServer web;
  static HttpServer zipkin;
  static final List<String> spans = new CopyOnWriteArrayList<>();
  static GatewayHarness harness;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    web = new EchoServer("web", "v1", 0);
    zipkin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    zipkin.createContext("/api/v2/spans", exchange -> {
      try (exchange) {
        spans.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(202, -1);
      }
    });
    zipkin.start();
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port()) + GatewayHarness.gateway(port)
        + meshConfig("REGISTRY_ONLY") + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /own-retries}}]
            retries: {attempts: 1, retryOn: 5xx}
            route: [{destination: {host: web}}]
          - route: [{destination: {host: web}}]
        """);
  }

  static String meshConfig(String mode) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
            outboundTrafficPolicy: {mode: %s}
            defaultHttpRetryPolicy: {attempts: 4, retryOn: 5xx}
            accessLogFile: /dev/stdout
            defaultConfig:
              tracing:
                sampling: 100
                zipkin: {address: "127.0.0.1:%d"}
        ---
        """.formatted(mode, zipkin.getAddress().getPort());
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    if (web != null) {
      web.close();
    }
    if (zipkin != null) {
      zipkin.stop(0);
    }
  }

  @Test
  void routesWithoutRetriesGetTheMeshDefaultRetryPolicy() {
    assertThat(attempts("/plain?status=500")).as("mesh default: 4 retries on 5xx").isEqualTo(5);
    assertThat(attempts("/own-retries?status=500")).as("a route's own retries win").isEqualTo(2);
  }

  @Test
  void accessLogLinesGoToEnvoysStdoutInIstiosFormat() {
    assertThat(get("/logged-request?x=1").statusCode()).isEqualTo(200);
    EnvoyProcess gateway = harness.gateway;
    await("the access log line").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> gateway.logTail(200)
        .contains("\"GET /logged-request?x=1 HTTP/1.1\" 200"));
    String line = gateway.logTail(200).lines().filter(l -> l.contains("/logged-request?x=1")).findFirst().orElseThrow();
    assertThat(line).matches("^\\[\\d{4}-\\d\\d-\\d\\dT.*")
        .contains(" 200 - via_upstream ", "outbound|80||web.default.svc.cluster.local", "127.0.0.1:" + web.port());
  }

  @Test
  void requestsAreTracedWithB3HeadersAndReportedToZipkin() {
    String body = get("/traced?headers=1").body();
    Matcher m = Pattern.compile("x-b3-traceid: ([0-9a-f]{32})").matcher(body);
    assertThat(m.find()).as("the backend sees B3 headers:\n%s", body).isTrue();
    assertThat(body).contains("x-b3-spanid: ", "x-b3-sampled: 1");
    String traceId = m.group(1);
    await("a span of trace " + traceId + " at the Zipkin collector").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> spans.stream().anyMatch(s -> s.contains(traceId)));
  }

  @Test
  void outboundTrafficPolicyDecidesWhereASidecarSendsUnknownDestinations() throws IOException {
    String node = "sidecar~127.0.0.3~client.default~default.svc.cluster.local";
    try (EnvoyProcess sidecar = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(node)
        .namespace("default").labels(Map.of("app", "client"))
        .xds("127.0.0.1", harness.bosun.xdsPort()).adminPort(Ports.freePort()))) {
      sidecar.waitReady(Duration.ofSeconds(30));
      await("REGISTRY_ONLY config").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> sidecar.configDump()
          .contains("\"block_all\""));
      String dump = sidecar.configDump();
      assertThat(dump).as("unknown hosts answered 502").contains("\"status\": 502").doesNotContain("\"allow_any\"");
      assertThat(catchAllCluster(dump)).isEqualTo("BlackHoleCluster");

      Path file = config.resolve("config.yaml");
      Files.writeString(file, Files.readString(file).replace("mode: REGISTRY_ONLY", "mode: ALLOW_ANY"));
      await("ALLOW_ANY config").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> sidecar.configDump()
          .contains("\"allow_any\""));
      dump = sidecar.configDump();
      assertThat(dump).doesNotContain("\"block_all\"");
      assertThat(catchAllCluster(dump)).isEqualTo("PassthroughCluster");
      assertThat(sidecar.stat("listener_manager.lds.update_rejected")).isZero();
    }
  }

  /** The cluster of virtualOutbound's default filter chain (the TCP catch-all), read from Envoy's config dump. */
  private static String catchAllCluster(String dump) {
    try {
      for (JsonNode c : new ObjectMapper().readTree(dump)
          .path("configs")) {
        for (JsonNode l : c.path("dynamic_listeners")) {
          JsonNode listener = l.path("active_state").path("listener");
          if (listener.path("name").asText().equals("virtualOutbound")) {
            return listener.path("default_filter_chain").path("filters").path(0).path("typed_config").path("cluster")
                .asText();
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new AssertionError("no virtualOutbound listener in the config dump");
  }

  private static long attempts(String path) {
    long before = web.requests();
    get(path);
    return web.requests() - before;
  }

  private static HttpResponse<String> get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
