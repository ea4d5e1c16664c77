package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DestinationRule traffic policies observed through a real Envoy: circuit breaking, outlier ejection,
    consistent hashing. */
class TrafficPolicyIT {
  @TempDir
  static Path config;
  static EchoServer slow;
  static EchoServer good;
  static EchoServer bad;
  static EchoServer a;
  static EchoServer b;
  static GatewayHarness harness;
  static EnvoyProcess gateway;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    slow = new EchoServer("slow", "v1", 0);
    good = new EchoServer("flaky", "good", 0);
    bad = new EchoServer("flaky", "bad", 0);
    bad.forceStatus(500);
    a = new EchoServer("sticky", "a", 0);
    b = new EchoServer("sticky", "b", 0);
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("slow", slow.port())
        + GatewayHarness.serviceEntry("flaky", good.port(), bad.port())
        + GatewayHarness.serviceEntry("sticky", a.port(), b.port()) + GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: slow}
        spec:
          host: slow
          trafficPolicy:
            connectionPool:
              tcp: {maxConnections: 1}
              http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: flaky}
        spec:
          host: flaky
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: sticky}
        spec:
          host: sticky
          trafficPolicy:
            loadBalancer: {consistentHash: {httpHeaderName: x-user}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: routes}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /slow}}]
            retries: {attempts: 0}
            route: [{destination: {host: slow}}]
          - match: [{uri: {prefix: /flaky}}]
            retries: {attempts: 0}
            route: [{destination: {host: flaky}}]
          - route: [{destination: {host: sticky}}]
        """);
    gateway = harness.gateway;
    assertThat(harness.bosun.store().problems()).isEmpty();
    await("routes served").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        status(HttpClient.newHttpClient(), "/", Map.of()) == 200);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, slow, good, bad, a, b}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing
      }
    }
  }

  static int status(HttpClient client, String path, Map<String, String> headers) {
    return send(client, path, headers).statusCode();
  }

  static HttpResponse<String> send(HttpClient client, String path, Map<String, String> headers) {
    try {
      HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10));
      headers.forEach(r::header);
      return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aFullConnectionPoolOverflowsWith503() throws Exception {
    Map<Integer, Integer> statuses = new TreeMap<>();
    ExecutorService clients = Executors.newFixedThreadPool(3);
    try {
      List<Future<Map<Integer, Integer>>> runs = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        runs.add(clients.submit(() -> {
          HttpClient client = HttpClient.newHttpClient();
          Map<Integer, Integer> mine = new TreeMap<>();
          for (int i = 0; i < 10; i++) {
            mine.merge(status(client, "/slow?delay=100ms", Map.of()), 1, Integer::sum);
          }
          return mine;
        }));
      }
      for (Future<Map<Integer, Integer>> f : runs) {
        f.get().forEach((k, v) -> statuses.merge(k, v, Integer::sum));
      }
    } finally {
      clients.shutdownNow();
    }
    long overflow = gateway.stat("cluster.outbound|80||slow.default.svc.cluster.local.upstream_rq_pending_overflow");
    System.out.printf("3 clients x 10 requests, maxConnections 1, 1 pending: %s; pending overflows %d%n", statuses,
        overflow);
    assertThat(statuses).containsKeys(200, 503);
    assertThat(overflow).isPositive();
  }

  @Test
  void aBackendAnswering5xxIsEjected() {
    HttpClient client = HttpClient.newHttpClient();
    for (int i = 0; i < 6; i++) {
      status(client, "/flaky", Map.of());
    }
    Map<Integer, Integer> later = new TreeMap<>();
    for (int i = 0; i < 20; i++) {
      later.merge(status(client, "/flaky", Map.of()), 1, Integer::sum);
    }
    long ejected = gateway.stat(
        "cluster.outbound|80||flaky.default.svc.cluster.local.outlier_detection.ejections_enforced_total");
    System.out.printf("after ejection: %s; ejections %d%n", later, ejected);
    assertThat(ejected).isPositive();
    assertThat(later).containsOnlyKeys(200);
  }

  @Test
  void consistentHashKeepsAUserOnOneBackend() {
    HttpClient client = HttpClient.newHttpClient();
    Set<String> backendsSeen = new HashSet<>();
    for (int user = 0; user < 20; user++) {
      Set<String> forUser = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        forUser.add(send(client, "/", Map.of("x-user", "user-" + user)).body());
      }
      assertThat(forUser).as("user-%d sticks to one backend", user).hasSize(1);
      backendsSeen.addAll(forUser);
    }
    assertThat(backendsSeen).as("users spread over both backends").hasSize(2);
  }
}
