package io.bosun.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the pinned real Envoy; fails (never skips) when it is not installed. */
class EnvoyProcessIT {

  private static final String NODE = "sidecar~127.0.0.1~it-0.default~default.svc.cluster.local";
  private static final Duration STARTUP = Duration.ofSeconds(30);

  private static Path envoy;

  @BeforeAll
  static void requireEnvoy() {
    envoy = EnvoyBinary.require();
  }

  private static Bootstrap bootstrap(int xdsPort) {
    return Bootstrap.forProxy(NODE).xds("127.0.0.1", xdsPort).adminPort(Ports.freePort());
  }

  @Test
  void runsWithoutAControlPlaneAndStopsByPid() {
    EnvoyProcess proxy = EnvoyProcess.start(envoy, bootstrap(Ports.freePort()));
    long pid = proxy.pid();
    try {
      proxy.waitAdmin(STARTUP);

      assertThat(proxy.adminGet("/server_info"))
          .contains("\"state\"")
          .contains("/" + EnvoyBinary.defaultVersion() + "/");
      assertThat(proxy.stat("control_plane.connected_state")).isZero();
      assertThat(proxy.statsMatching("^control_plane\\."))
          .containsEntry("control_plane.connected_state", 0L)
          .allSatisfy((name, value) -> assertThat(name).startsWith("control_plane."));
      assertThat(proxy.findStat("no.such.stat")).isEmpty();
      assertThat(proxy.configDump()).contains("xds-grpc");
    } finally {
      proxy.close();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(proxy.isAlive()).isFalse();
    assertThat(Files.exists(proxy.workDir())).isFalse();
  }

  @Test
  void dialsTheXdsAddressFromTheBootstrap() throws Exception {
    try (ServerSocket fakeControlPlane = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      fakeControlPlane.setSoTimeout((int) STARTUP.toMillis());
      try (EnvoyProcess proxy = EnvoyProcess.start(envoy, bootstrap(fakeControlPlane.getLocalPort()));
          Socket accepted = fakeControlPlane.accept()) {
        assertThat(accepted.getInetAddress().isLoopbackAddress()).isTrue();
        assertThat(proxy.isAlive()).isTrue();
      }
    }
  }

  @Test
  void becomesReadyOnceTheInitialFetchTimesOut() {
    Bootstrap b = bootstrap(Ports.freePort()).initialFetchTimeout(Duration.ofMillis(500));
    try (EnvoyProcess proxy = EnvoyProcess.start(envoy, b)) {
      proxy.waitReady(STARTUP);
      assertThat(proxy.adminGet("/ready").trim()).isEqualTo("LIVE");
    }
  }

  @Test
  void aRejectedBootstrapFailsFastWithTheLogTail() {
    int admin = Ports.freePort();
    String bad = "admin: {address: {socket_address: {address: 127.0.0.1, port_value: " + admin + "}}}\n"
        + "static_resources: {clusters: [{name: broken, type: NO_SUCH_TYPE}]}\n";
    try (EnvoyProcess proxy = EnvoyProcess.start(envoy, bad, admin, List.of())) {
      long started = System.nanoTime();
      assertThatThrownBy(() -> proxy.waitReady(STARTUP))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Envoy exited with code")
          .hasMessageContaining("--- last")
          .hasMessageContaining("NO_SUCH_TYPE");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(STARTUP);
    }
  }

  @Test
  void envoyAcceptsBothAdsFlavours() {
    for (boolean delta : new boolean[] {false, true}) {
      String yaml = Bootstrap.forProxy(NODE)
          .labels(Map.of("app", "it", "version", "v1"))
          .workloadName("it")
          .delta(delta)
          .initialFetchTimeout(Duration.ofSeconds(1))
          .toYaml();
      assertThat(EnvoyProcess.validate(envoy, yaml)).as("delta=%s", delta).contains("OK");
    }
  }

  @Test
  void validateReportsWhatEnvoyRejects() {
    assertThatThrownBy(() -> EnvoyProcess.validate(envoy, "node: {id: x}\nbogus_field: 1\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bogus_field");
  }
}
