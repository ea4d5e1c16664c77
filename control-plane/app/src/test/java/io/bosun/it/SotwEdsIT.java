package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.xds.status.SyncState;
import io.bosun.xds.status.SyncTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy on a state-of-the-world ADS stream (what injected sidecars and the gateway chart
 * use) gets exactly one EDS response per endpoint change, carrying only the changed cluster, and
 * nothing else: no CDS, LDS or RDS, and no further EDS once it has ACKed (scale probe finding 1:
 * after the first endpoint change Bosun used to send thousands of EDS responses a second).
 */
class SotwEdsIT {
  private static final String SVC = "outbound|80||svc.default.svc.cluster.local";
  private static final String OTHER = "outbound|80||other.default.svc.cluster.local";

  @TempDir
  static Path config;

  private static String yaml(int gatewayPort, int svcEndpoint, int otherEndpoint) {
    return GatewayHarness.serviceEntry("svc", svcEndpoint) + GatewayHarness.serviceEntry("other", otherEndpoint)
        + GatewayHarness.gateway(gatewayPort) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /other}}]
            route: [{destination: {host: other.default.svc.cluster.local}}]
          - route: [{destination: {host: svc.default.svc.cluster.local}}]
        """;
  }

  @Test
  void eachEndpointChangeIsOneEdsResponseWithOnlyTheChangedCluster() throws Exception {
    int port = Ports.freePort();
    int other = Ports.freePort();
    int endpoint = Ports.freePort();
    try (GatewayHarness h = GatewayHarness.start(config, yaml(port, endpoint, other))) {
      SyncTracker sync = h.bosun.xds().syncTracker();
      awaitEndpoint(h, endpoint);
      Map<String, Long> bosunBefore = responses(sync);
      long svcBefore = h.gateway.stat("cluster." + SVC + ".update_success");
      long otherBefore = h.gateway.stat("cluster." + OTHER + ".update_success");
      assertThat(h.gateway.adminGet("/config_dump")).as("the gateway is on a state-of-the-world stream")
          .contains("\"api_type\": \"GRPC\"").doesNotContain("DELTA_GRPC");

      List<Long> edsPerChange = new ArrayList<>();
      int changes = 5;
      for (int i = 1; i <= changes; i++) {
        long eds = sync.pushes("EDS");
        endpoint = Ports.freePort();
        Files.writeString(config.resolve("config.yaml"), yaml(port, endpoint, other));
        awaitEndpoint(h, endpoint);
        // what follows the ACK: the storm answered every ACK with another response
        await("EDS quiet after change " + i).during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
            .until(() -> sync.pushes("EDS") - eds <= 1);
        edsPerChange.add(sync.pushes("EDS") - eds);
      }
      Map<String, Long> bosunAfter = responses(sync);
      System.out.println("[sotw eds] Bosun's responses per type before " + bosunBefore + ", after " + bosunAfter
          + "; EDS responses per change " + edsPerChange);
      assertThat(edsPerChange).as("EDS responses per endpoint change").containsOnly(1L);
      for (String type : List.of("CDS", "LDS", "RDS")) {
        assertThat(bosunAfter.get(type)).as(type + " responses").isEqualTo(bosunBefore.get(type));
      }
      assertThat(h.gateway.stat("cluster." + SVC + ".update_success") - svcBefore)
          .as("EDS updates the Envoy applied to the changed cluster").isEqualTo(changes);
      assertThat(h.gateway.stat("cluster." + OTHER + ".update_success") - otherBefore)
          .as("EDS updates of the unchanged cluster").isZero();
    }
  }

  /** Until the gateway has {@code port} as svc's endpoint and Bosun has its EDS ACK. */
  private static void awaitEndpoint(GatewayHarness h, int port) {
    await("endpoint " + port + " at the gateway").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> h.gateway.adminGet("/clusters").contains(SVC + "::127.0.0.1:" + port + "::")
            && h.bosun.xds().syncTracker().snapshot().stream()
            .allMatch(p -> p.type("EDS").state() == SyncState.SYNCED));
  }

  private static Map<String, Long> responses(SyncTracker sync) {
    Map<String, Long> out = new TreeMap<>();
    SyncTracker.TYPES.forEach(t -> out.put(t, sync.pushes(t)));
    return out;
  }
}
