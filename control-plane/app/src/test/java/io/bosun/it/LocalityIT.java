package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * localityLbSetting through a real Envoy whose locality is us-east/zone-a: failover keeps traffic
 * in the client's zone until those endpoints are ejected, then moves it to the failover region;
 * distribute splits traffic between localities by the configured weights.
 */
class LocalityIT {
  @TempDir
  static Path config;
  static EchoServer near;
  static EchoServer far;
  static EchoServer nearD;
  static EchoServer farD;
  static GatewayHarness harness;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    near = new EchoServer("near", "v1", 0);
    far = new EchoServer("far", "v1", 0);
    nearD = new EchoServer("near-d", "v1", 0);
    farD = new EchoServer("far-d", "v1", 0);
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: failover}
        spec:
          hosts: [failover.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 80, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: %d}, locality: us-east/zone-a}
          - {address: 127.0.0.1, ports: {http: %d}, locality: eu-west/zone-b}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: split}
        spec:
          hosts: [split.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 80, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: %d}, locality: us-east/zone-a}
          - {address: 127.0.0.1, ports: {http: %d}, locality: eu-west/zone-b}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: failover}
        spec:
          host: failover.default.svc.cluster.local
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 60s, maxEjectionPercent: 100}
            loadBalancer:
              localityLbSetting:
                failover: [{from: us-east, to: eu-west}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: split}
        spec:
          host: split.default.svc.cluster.local
          trafficPolicy:
            loadBalancer:
              simple: ROUND_ROBIN
              localityLbSetting:
                distribute: [{from: "us-east/zone-a/*", to: {"us-east/zone-a/*": 80, "eu-west/zone-b/*": 20}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: routes}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /split}}]
            route: [{destination: {host: split.default.svc.cluster.local}}]
          - route: [{destination: {host: failover.default.svc.cluster.local}}]
        """.formatted(near.port(), far.port(), nearD.port(), farD.port()),
        Map.of("topology.kubernetes.io/region", "us-east", "topology.kubernetes.io/zone", "zone-a"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, near, far, nearD, farD}) {
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
  void failoverStaysInTheClientsZoneUntilItsEndpointsAreEjected() {
    String dump = harness.gateway.adminGet("/config_dump?include_eds");
    assertThat(dump).contains("\"priority\": 1");
    for (int i = 0; i < 20; i++) {
      assertThat(RawHttp.get(port, "x", "/")).as("request %d", i).contains("near v1");
    }
    assertThat(far.requests()).isZero();
    near.forceStatus(503);
    await("traffic to fail over to eu-west").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
        RawHttp.get(port, "x", "/").contains("far v1"));
    for (int i = 0; i < 10; i++) {
      assertThat(RawHttp.get(port, "x", "/")).as("after ejection, request %d", i).startsWith("HTTP/1.1 200")
          .contains("far v1");
    }
  }

  @Test
  void distributeSplitsTrafficBetweenLocalitiesByWeight() {
    int nearCount = 0;
    int total = 1000;
    for (int i = 0; i < total; i++) {
      if (RawHttp.get(port, "x", "/split").contains("near-d v1")) {
        nearCount++;
      }
    }
    System.out.printf("distribute 80/20: %d of %d to us-east/zone-a%n", nearCount, total);
    assertThat(nearCount).isBetween(750, 850);
  }
}
