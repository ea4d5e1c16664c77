package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.monitoring.BuildInfo;
import io.bosun.monitoring.Logs;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.xds.status.ProxyStatusReport;
import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/** bosunctl's version, admin log and completion against a monitoring server on loopback; colour; usage errors. */
class OperatorToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NODE = "sidecar~10.0.0.7~productpage-v1-abc.default~default.svc.cluster.local";

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private MonitoringServer bosun;
  private String address;

  @BeforeEach
  void startBosun() throws Exception {
    SyncTracker tracker = new SyncTracker(node -> "g");
    tracker.onV3StreamRequest(1, DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(NODE))
        .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build());
    bosun = new MonitoringServer(new MonitoringServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, false),
        () -> true, () -> "", Map.of("proxy-status", q -> ProxyStatusReport.of(tracker, "bosun-it-0", "9.9")))
        .start();
    address = "127.0.0.1:" + bosun.port();
  }

  @AfterEach
  void stopBosun() {
    bosun.close();
    Logs.setLevel("io.bosun.test.admin", null);
  }

  private int bosunctl(String... args) {
    CommandLine line = Cli.commandLine(new Bosunctl(), "bosunctl");
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  @Test
  void versionShowsTheClientTheControlPlaneAndTheProxies() {
    assertThat(bosunctl("version", "--bosun-address", address)).isZero();
    assertThat(out.toString().lines()).containsExactly(
        "client version: " + BuildInfo.version(),
        "control plane version: " + BuildInfo.version() + " (" + BuildInfo.replica() + ")",
        "data plane: 1 proxy connected");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void versionAsJson() throws Exception {
    assertThat(bosunctl("version", "--bosun-address", address, "-o", "json")).isZero();
    JsonNode v = JSON.readTree(out.toString());
    assertThat(v.path("clientVersion").asText()).isEqualTo(BuildInfo.version());
    assertThat(v.path("controlPlane").get(0).path("name").asText()).isEqualTo(BuildInfo.replica());
    assertThat(v.path("controlPlane").get(0).path("proxies").asInt()).isEqualTo(1);
    assertThat(v.path("dataPlaneProxies").asInt()).isEqualTo(1);
  }

  @Test
  void versionWithBosunUnreachableShowsTheClientAndWarns() {
    assertThat(bosunctl("version", "--bosun-address", "127.0.0.1:1")).isZero();
    assertThat(out.toString().lines()).containsExactly("client version: " + BuildInfo.version(),
        "control plane version: unknown (not reached)");
    assertThat(err.toString()).startsWith("Warning: cannot reach Bosun at http://127.0.0.1:1")
        .contains("showing the client version only").doesNotContain("\u001b[");
  }

  @Test
  void versionOfTheClientAlone() {
    assertThat(bosunctl("version", "--short")).isZero();
    assertThat(out.toString()).isEqualTo(BuildInfo.version() + "\n");
    out.getBuffer().setLength(0);
    assertThat(bosunctl("version", "--remote=false")).isZero();
    assertThat(out.toString()).isEqualTo("client version: " + BuildInfo.version() + "\n");
  }

  @Test
  void adminLogListsAndChangesLevels() {
    Logger log = LoggerFactory.getLogger("io.bosun.test.admin.Thing");
    assertThat(log.isDebugEnabled()).isFalse();
    assertThat(bosunctl("admin", "log", "--bosun-address", address, "--level", "io.bosun.test.admin=debug"))
        .isZero();
    assertThat(log.isDebugEnabled()).isTrue();
    assertThat(out.toString()).containsPattern("(?m)^" + BuildInfo.replica() + " +io.bosun.test.admin +DEBUG$")
        .containsPattern("(?m) ROOT +INFO$");
    assertThat(bosunctl("admin", "log", "--bosun-address", address, "--level", "io.bosun.test.admin=inherit"))
        .isZero();
    assertThat(log.isDebugEnabled()).isFalse();
    // a typo is a usage error, and reaches no replica
    assertThat(bosunctl("admin", "log", "--bosun-address", address, "--level", "io.bosun.test.admin=verbose"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("bosunctl: \"verbose\" is not a log level");
  }

  @Test
  void completionScriptsKnowEveryCommand() {
    assertThat(bosunctl("completion", "bash")).isZero();
    String bash = out.toString();
    assertThat(bash).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_bosunctl")
        .contains("proxy-status", "proxy-config", "version", "admin", "completion", "kube-inject", "--bosun-address");
    out.getBuffer().setLength(0);
    assertThat(bosunctl("completion", "zsh")).isZero();
    assertThat(out.toString()).contains("bashcompinit", "proxy-status");
    assertThat(bosunctl("completion", "fish")).isEqualTo(2);
    assertThat(err.toString()).contains("'fish'").contains("See 'bosunctl completion --help' for the usage.");
  }

  @Test
  void colourOnlyOnATerminalWithoutNoColor() {
    assertThat(Colours.choose(false, true, Map.of())).isEqualTo(Ansi.ON);
    assertThat(Colours.choose(false, false, Map.of())).as("not a terminal").isEqualTo(Ansi.OFF);
    assertThat(Colours.choose(true, true, Map.of())).as("--no-color").isEqualTo(Ansi.OFF);
    assertThat(Colours.choose(false, true, Map.of("NO_COLOR", "1"))).isEqualTo(Ansi.OFF);
    assertThat(Colours.choose(false, true, Map.of("TERM", "dumb"))).isEqualTo(Ansi.OFF);
    assertThat(Colours.state(Ansi.ON, "STALE")).contains("\u001b[").contains("STALE");
    assertThat(Colours.state(Ansi.OFF, "STALE")).isEqualTo("STALE");
    assertThat(Colours.state(Ansi.ON, "NOT SENT")).isEqualTo("NOT SENT");
    assertThat(Colours.line(Ansi.ON, "Warning: x")).startsWith("\u001b[").endsWith(" x");
    assertThat(Colours.line(Ansi.ON, "error: x")).startsWith("\u001b[");
    assertThat(Colours.line(Ansi.ON, "note: x")).isEqualTo("note: x");
    // the tests' standard output is no terminal
    assertThat(new Colours().ansi()).isEqualTo(Ansi.OFF);
  }

  @Test
  void usageErrorsAreOneLineAndAHint() {
    assertThat(bosunctl("proxy-status", "--bosun-adress", address)).isEqualTo(2);
    assertThat(err.toString().lines()).first().asString().startsWith("bosunctl: Unknown option");
    assertThat(err.toString()).contains("See 'bosunctl proxy-status --help' for the usage.")
        .doesNotContain("Usage:");
    err.getBuffer().setLength(0);
    assertThat(bosunctl("version", "-o", "xml")).isEqualTo(2);
    assertThat(err.toString().lines()).containsExactly(
        "bosunctl: Invalid value for option '--output': expected one of [TEXT, JSON, YAML] (case-insensitive) but"
            + " was 'xml'",
        "See 'bosunctl version --help' for the usage.");
  }
}
