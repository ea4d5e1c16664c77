package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.bosun.envoy.Ports;
import io.bosun.logging.LogContext;
import io.bosun.monitoring.BuildInfo;
import io.bosun.testing.GatewayHarness;
import io.bosun.xds.status.SyncTracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * bosunctl version and admin log against a real standalone Bosun serving a real Envoy gateway: the
 * version of the replica and its connected proxy, and a level changed at run time that makes the
 * push path's debug lines (with the gateway's id in the MDC) appear and disappear.
 */
class OperatorToolsIT {
  private static final String GATEWAY = "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local";

  @TempDir
  static Path config;
  static GatewayHarness harness;
  static String address;

  @BeforeAll
  static void start() throws Exception {
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", Ports.freePort())
        + GatewayHarness.gateway(Ports.freePort()) + GatewayHarness.virtualService("one"));
    address = "127.0.0.1:" + harness.bosun.monitoringPort();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }


  private static String bosunctl(String... args) {
    return BosunctlRun.ok(args);
  }


  @Test
  void versionShowsTheReplicaAndItsConnectedGateway() {
    await("the gateway counted").atMost(Duration.ofSeconds(20))
        .until(() -> bosunctl("version", "--bosun-address", address), v -> v.contains("data plane: 1 proxy"));
    assertThat(bosunctl("version", "--bosun-address", address).lines()).containsExactly(
        "client version: " + BuildInfo.version(),
        "control plane version: " + BuildInfo.version() + " (" + BuildInfo.replica() + ")",
        "data plane: 1 proxy connected");
  }

  @Test
  void aLevelChangedAtRunTimeShowsThePushDetailWithTheProxyInTheMdc() throws Exception {
    Logger tracker = (Logger) LoggerFactory.getLogger(SyncTracker.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    tracker.addAppender(lines);
    try {
      assertThat(bosunctl("admin", "log", "--bosun-address", address, "--level", "io.bosun.xds.status=debug"))
          .containsPattern("(?m) io\\.bosun\\.xds\\.status +DEBUG$");
      Files.writeString(config.resolve("two.yaml"), GatewayHarness.virtualService("two"));
      await("the push's debug lines").atMost(Duration.ofSeconds(15))
          .until(() -> sentLines(lines).stream().anyMatch(e -> e.getFormattedMessage().contains(" sent RDS ")));
      assertThat(sentLines(lines)).allSatisfy(e -> assertThat(e.getMDCPropertyMap())
          .containsEntry(LogContext.PROXY, GATEWAY));

      assertThat(bosunctl("admin", "log", "--bosun-address", address, "--level", "io.bosun.xds.status=inherit"))
          .doesNotContain("io.bosun.xds.status");
      lines.list.clear();
      Files.writeString(config.resolve("three.yaml"), GatewayHarness.virtualService("three"));
      await("the gateway got the third route").atMost(Duration.ofSeconds(15))
          .until(() -> harness.gateway.adminGet("/config_dump").contains("three.example.com"));
      assertThat(sentLines(lines)).isEmpty();
    } finally {
      tracker.detachAppender(lines);
    }
  }

  private static List<ILoggingEvent> sentLines(ListAppender<ILoggingEvent> lines) {
    return List.copyOf(lines.list).stream().filter(e -> e.getFormattedMessage().contains(" sent ")).toList();
  }
}
