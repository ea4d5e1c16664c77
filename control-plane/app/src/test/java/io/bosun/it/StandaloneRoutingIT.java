package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.Samples;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone Bosun serving a real Envoy ingress gateway, with real HTTP to backends on loopback.
 * The config is the demo's, with ports chosen free for this run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneRoutingIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  static Path config;
  static EchoServer reviewsV1;
  static EchoServer reviewsV2;
  static EchoServer ratings;
  static StandaloneBosun bosun;
  static EnvoyProcess gateway;
  static int gatewayPort;
  static String routing;

  @BeforeAll
  static void start() throws Exception {
    int[] ports = Ports.freePorts(4);
    reviewsV1 = new EchoServer("reviews", "v1", ports[0]);
    reviewsV2 = new EchoServer("reviews", "v2", ports[1]);
    ratings = new EchoServer("ratings", "v1", ports[2]);
    gatewayPort = ports[3];
    Path samples = Samples.dir("demo");
    Files.writeString(config.resolve("backends.yaml"), Files.readString(samples.resolve("backends.yaml"))
        .replace("19081", Integer.toString(ports[0]))
        .replace("19082", Integer.toString(ports[1]))
        .replace("19083", Integer.toString(ports[2])));
    routing = Files.readString(samples.resolve("routing.yaml")).replace("number: 8080", "number: " + gatewayPort);
    Files.writeString(config.resolve("routing.yaml"), routing);

    GatewayHarness harness = GatewayHarness.serve(config, Map.of());
    bosun = harness.bosun;
    gateway = harness.gateway;
    assertThat(bosun.store().problems()).isEmpty();
    await("gateway routes /ratings").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> body("/ratings",
        Map.of()).startsWith("ratings v1"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {gateway, bosun, reviewsV1, reviewsV2, ratings}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @BeforeEach
  void restoreConfig() throws Exception {
    long generation = bosun.store().generation();
    boolean changed = !Files.readString(config.resolve("routing.yaml")).equals(routing);
    if (changed) {
      Files.writeString(config.resolve("routing.yaml"), routing);
    }
    changed |= Files.deleteIfExists(config.resolve("broken.yaml"));
    if (changed) {
      await("config restored").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> bosun.store()
          .generation() > generation
          && bosun.store().problems().isEmpty());
      await("gateway splits /reviews again").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100 && seen.size() < 2; i++) {
          seen.add(body("/reviews", Map.of()));
        }
        return seen.size() == 2;
      });
    }
  }

  @Test
  @Order(1)
  void weightedSplitLandsWithinFivePoints() {
    Map<String, Integer> counts = new TreeMap<>();
    int n = 1000;
    for (int i = 0; i < n; i++) {
      counts.merge(body("/reviews", Map.of()).trim(), 1, Integer::sum);
    }
    System.out.printf("80/20 split over %d requests: %s%n", n, counts);
    assertThat(counts.keySet()).containsExactlyInAnyOrder("reviews v1", "reviews v2");
    double v1 = 100.0 * counts.get("reviews v1") / n;
    assertThat(v1).isBetween(75.0, 85.0);
  }

  @Test
  @Order(2)
  void headerMatchAndPrefixRoutes() {
    for (int i = 0; i < 50; i++) {
      assertThat(body("/reviews/" + i, Map.of("end-user", "jason"))).isEqualTo("reviews v2\n");
      assertThat(body("/ratings/" + i, Map.of("end-user", "jason"))).isEqualTo("ratings v1\n");
    }
    assertThat(status("/details", Map.of())).as("no route for /details").isEqualTo(404);
  }

  @Test
  @Order(3)
  void editingAFileReroutesLiveWithoutFailuresOrRestart() throws Exception {
    long pid = gateway.pid();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger sent = new AtomicInteger();
    Thread load = new Thread(() -> {
      while (running.get()) {
        sent.incrementAndGet();
        if (status("/reviews", Map.of()) != 200) {
          failures.incrementAndGet();
        }
      }
    });
    load.start();
    try {
      long cdsBefore = gateway.stat("cluster_manager.cds.update_attempt");
      Files.writeString(config.resolve("routing.yaml"), routing.replace("weight: 80", "weight: 0")
          .replace("weight: 20", "weight: 100"));
      long t0 = System.nanoTime();
      await("all /reviews on v2").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> allV2(20));
      long millis = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("re-routed in %d ms; %d requests during the change, %d failed%n", millis, sent.get(),
          failures.get());
      assertThat(gateway.stat("cluster_manager.cds.update_attempt"))
          .as("only routes changed: clusters are not re-sent").isEqualTo(cdsBefore);
    } finally {
      running.set(false);
      load.join();
    }
    assertThat(failures.get()).isZero();
    assertThat(gateway.pid()).isEqualTo(pid);
    assertThat(gateway.isAlive()).isTrue();
  }

  @Test
  @Order(4)
  void invalidConfigLeavesRoutingUnchangedAndIsReported() throws Exception {
    // An RE2-invalid regex that would make Envoy reject the whole route table.
    Files.writeString(config.resolve("routing.yaml"), routing
        .replace("weight: 80", "weight: 0").replace("weight: 20", "weight: 100")
        .replace("prefix: /ratings", "regex: \"/ratings(\""));
    Files.writeString(config.resolve("broken.yaml"), "kind: [this is not yaml\n  : :");
    await("both problems reported").atMost(Duration.ofSeconds(3)).ignoreExceptions().until(() -> bosun.store()
        .problems().size() >= 2);
    Thread.sleep(500); // longer than the debounce: a push would have happened by now

    JsonNode configz = JSON.readTree(get("http://127.0.0.1:" + bosun.monitoringPort() + "/debug/configz"));
    List<String> errors = JSON.convertValue(configz.get("errors"), new TypeReference<List<String>>() { });
    assertThat(errors).anyMatch(e -> e.contains("routing.yaml: VirtualService default/bookinfo: "
        + "spec.http[2].match[0].uri.regex: invalid RE2 regular expression"));
    assertThat(errors).anyMatch(e -> e.contains("broken.yaml: not valid YAML"));
    assertThat(configz.toString()).contains("INVALID (last valid version serving)");

    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < 100; i++) {
      counts.merge(body("/reviews", Map.of()).trim(), 1, Integer::sum);
    }
    assertThat(counts).as("the last valid 80/20 split keeps serving").containsKeys("reviews v1", "reviews v2");
    assertThat(body("/ratings", Map.of())).isEqualTo("ratings v1\n");
    assertNoRejections(gateway);
  }

  @Test
  @Order(6)
  void rewritingAFileWithTheSameContentPushesNothing() throws Exception {
    Map<String, Long> before = gateway.statsMatching(".*update_attempt$");
    long generation = bosun.store().generation();
    Path backends = config.resolve("backends.yaml");
    Files.writeString(backends, Files.readString(backends));
    Files.setLastModifiedTime(backends, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    await("Bosun re-read the file").atMost(Duration.ofSeconds(3)).ignoreExceptions().until(() -> bosun.store()
        .generation() > generation);
    Thread.sleep(500); // longer than the debounce: a push would have happened by now
    assertThat(gateway.statsMatching(".*update_attempt$")).as("no xDS type was re-sent").isEqualTo(before);
  }

  @Test
  @Order(8)
  void aChangedClusterIsWarmedWithItsEndpoints() throws Exception {
    long cds = gateway.stat("cluster_manager.cds.update_success");
    Files.writeString(config.resolve("routing.yaml"), routing.replace("  host: reviews\n  subsets:",
        "  host: reviews\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n  subsets:"));
    await("clusters updated").atMost(Duration.ofSeconds(3)).ignoreExceptions().until(() ->
        gateway.stat("cluster_manager.cds.update_success") > cds);
    await("re-created clusters got their endpoints and finished warming").atMost(Duration.ofSeconds(3))
        .ignoreExceptions().until(() -> gateway.stat("cluster_manager.warming_clusters") == 0);
    assertThat(gateway.configDump()).contains("\"lb_policy\": \"RANDOM\"");
    for (int i = 0; i < 20; i++) {
      assertThat(status("/reviews", Map.of())).isEqualTo(200);
    }
  }

  @Test
  @Order(5)
  void sidecarsAcceptTheFullOutboundConfigOverSotwAndDelta() throws Exception {
    for (boolean delta : new boolean[] {false, true}) {
      String node = "sidecar~127.0.0.2~productpage-" + (delta ? "delta" : "sotw") + ".default"
          + "~default.svc.cluster.local";
      try (EnvoyProcess sidecar = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(node)
          .namespace("default")
          .labels(Map.of("app", "productpage", "version", "v1"))
          .xds("127.0.0.1", bosun.xdsPort())
          .adminPort(Ports.freePort())
          .delta(delta))) {
        sidecar.waitReady(Duration.ofSeconds(30));
        await("syncz SYNCED for " + node).atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> synced(node));
        String dump = sidecar.configDump();
        assertThat(dump).contains("\"virtualOutbound\"", "\"0.0.0.0_9080\"", "\"route_config_name\": \"9080\"",
            "outbound|9080|v1|reviews.default.svc.cluster.local", "\"allow_any\"");
        assertThat(sidecar.stat("cluster_manager.cds.update_success")).isPositive();
        assertThat(sidecar.stat("listener_manager.lds.update_success")).isPositive();
        assertNoRejections(sidecar);
      }
    }
  }

  @Test
  @Order(7)
  void aNackIsShownPerProxyAndTypeWithEnvoysMessage() throws Exception {
    // The one NACK Bosun cannot prevent: the machine's port is taken, which no config check can know.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      Path gw = config.resolve("taken-port-gateway.yaml");
      Files.writeString(gw, GatewayHarness.takenPortGateway(taken.getLocalPort()));
      String node = "router~127.0.0.3~taken-port.istio-system~istio-system.svc.cluster.local";
      try (EnvoyProcess envoy = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(node)
          .namespace("istio-system")
          .labels(Map.of("istio", "taken-port"))
          .xds("127.0.0.1", bosun.xdsPort())
          .adminPort(Ports.freePort()))) {
        await("LDS NACK reported").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> state(node, "LDS")
            .equals("ERROR"));
        JsonNode lds = proxy(node).path("LDS");
        assertThat(lds.path("error").asText()).contains("0.0.0.0_" + taken.getLocalPort(), "Address already in use");
        assertThat(get("http://127.0.0.1:" + bosun.monitoringPort() + "/metrics"))
            .containsPattern("pilot_total_xds_rejects_total\\{type=\"lds\"\\} [1-9]");
        assertThat(state(node, "CDS")).isEqualTo("SYNCED");
        assertThat(envoy.isAlive()).as("Envoy keeps running on what it rejected").isTrue();
      } finally {
        Files.delete(gw);
      }
    }
  }

  private static JsonNode proxy(String node) {
    try {
      for (JsonNode p : JSON.readTree(get("http://127.0.0.1:" + bosun.monitoringPort() + "/debug/syncz"))) {
        if (p.get("proxy").asText().equals(node)) {
          return p;
        }
      }
    } catch (Exception e) {
      // not there yet
    }
    return JSON.missingNode();
  }

  private static String state(String node, String type) {
    return proxy(node).path(type).path("state").asText();
  }

  private static boolean synced(String node) {
    return List.of("CDS", "EDS", "LDS", "RDS").stream().allMatch(t -> state(node, t).equals("SYNCED"));
  }

  static void assertNoRejections(EnvoyProcess envoy) {
    Map<String, Long> rejected = envoy.statsMatching(".*update_rejected$");
    assertThat(rejected).as("Envoy update_rejected stats").isNotEmpty();
    assertThat(rejected.values()).as("rejections: %s", rejected).allMatch(v -> v == 0);
  }

  private static boolean allV2(int n) {
    for (int i = 0; i < n; i++) {
      if (!body("/reviews", Map.of()).equals("reviews v2\n")) {
        return false;
      }
    }
    return true;
  }

  static String body(String path, Map<String, String> headers) {
    try {
      return send(path, headers).body();
    } catch (Exception e) {
      return "error: " + e;
    }
  }

  static int status(String path, Map<String, String> headers) {
    try {
      return send(path, headers).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static HttpResponse<String> send(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path))
        .timeout(Duration.ofSeconds(5));
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
