package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DestinationRule edit that changes a cluster but not its endpoints: Envoy re-creates and
 * warms the cluster, so its endpoints must be sent again at once, or the new policy waits for
 * Envoy's initial fetch timeout (15 s).
 */
class ClusterUpdateIT {
  @TempDir
  static Path config;

  static String yaml(int port, int backend, String policy) {
    return yaml(port, new int[] {backend}, policy);
  }

  static String yaml(int port, int[] backends, String policy) {
    return GatewayHarness.serviceEntry("svc", backends) + GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http: [{route: [{destination: {host: svc.default.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc.default.svc.cluster.local
          trafficPolicy: %s
        """.formatted(policy);
  }

  @Test
  void aPolicyChangeThatKeepsTheEndpointsAppliesAtOnce() throws Exception {
    int port = Ports.freePort();
    try (EchoServer backend = new EchoServer("svc", "v1", 0);
         GatewayHarness h = started(port, backend.port())) {
      List<Long> millis = edits(h, port, i -> new int[] {backend.port()}, i -> true, i ->
          assertThat(h.gateway.adminGet("/clusters")).as("the endpoint after update " + i)
              .contains("outbound|80||svc.default.svc.cluster.local::127.0.0.1:" + backend.port() + "::cx_active"));
      System.out.println("[cluster update] a changed cluster active after (ms): " + millis);
      assertThat(millis).allMatch(ms -> ms < 5000);
    }
  }

  @Test
  void aPolicyChangeTogetherWithAnEndpointChangeAppliesAtOnce() throws Exception {
    int port = Ports.freePort();
    try (EchoServer one = new EchoServer("svc", "v1", 0);
         EchoServer two = new EchoServer("svc", "v2", 0);
         GatewayHarness h = started(port, one.port())) {
      List<Long> millis = edits(h, port,
          i -> i % 2 == 1 ? new int[] {one.port(), two.port()} : new int[] {one.port()},
          i -> h.gateway.adminGet("/clusters").contains("svc.default.svc.cluster.local::127.0.0.1:" + two.port()
              + "::cx_active") == (i % 2 == 1),
          i -> { });
      System.out.println("[cluster update] a changed cluster with changed endpoints active after (ms): " + millis);
      assertThat(millis).allMatch(ms -> ms < 5000);
    }
  }

  /** Bosun and a gateway on one backend, with a first policy active. */
  private static GatewayHarness started(int port, int backend) throws Exception {
    GatewayHarness h = GatewayHarness.start(config, yaml(port, backend,
        "{connectionPool: {tcp: {maxConnections: 7}}}"));
    await("the first policy").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
        h.gateway.adminGet("/config_dump?resource=dynamic_active_clusters")
        .contains("\"max_connections\": 7"));
    return h;
  }

  /**
   * Six edits, alternating outlier detection and a connection pool (each changes the cluster),
   * with {@code backends} as the endpoints of edit i; how long each took to be active at Envoy
   * (and {@code settled}), with {@code after} checked once it is.
   */
  private static List<Long> edits(GatewayHarness h, int port, IntFunction<int[]> backends, IntPredicate settled,
                                  IntConsumer after) throws Exception {
    List<Long> millis = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      int n = i;
      String marker = i % 2 == 1 ? "\"consecutive_5xx\": " + (10 + i) : "\"max_connections\": " + (10 + i);
      String policy = i % 2 == 1 ? "{outlierDetection: {consecutive5xxErrors: " + (10 + i) + "}}"
          : "{connectionPool: {tcp: {maxConnections: " + (10 + i) + "}}}";
      long start = System.nanoTime();
      Files.writeString(config.resolve("config.yaml"), yaml(port, backends.apply(i), policy));
      await("policy " + i + " active").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> h.gateway.adminGet(
          "/config_dump?resource=dynamic_active_clusters").contains(marker) && settled.test(n));
      millis.add((System.nanoTime() - start) / 1_000_000);
      after.accept(i);
    }
    return millis;
  }
}
