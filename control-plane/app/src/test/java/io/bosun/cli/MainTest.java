package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.bosun.monitoring.BuildInfo;
import io.bosun.monitoring.Logs;
import io.bosun.runtime.KubeBosun;
import io.bosun.testing.Samples;
import io.bosun.webhook.AdmissionWebhooks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MainTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private PrintStream oldErr;
  private PrintStream oldOut;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    oldOut = System.out;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
    System.setOut(oldOut);
  }

  @Test
  void kubernetesModeServesXdsOnlyOverTlsUnlessToldOtherwise() throws Exception {
    KubeCommand kubeDefaults = kube();
    KubeBosun.Options defaults = kubeDefaults.options();
    assertThat(defaults.xds().plaintext()).isFalse();
    assertThat(defaults.xds().tlsPort()).isEqualTo(15012);
    assertThat(defaults.security().tokenAudiences()).containsExactly("istio-ca");
    assertThat(defaults.security().workloadCertTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(defaults.lease().duration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(defaults.webhooks()).isEqualTo(AdmissionWebhooks.Settings.defaults());
    KubeBosun.Options trusted = kube("--xds-plaintext", "true", "--workload-cert-ttl", "90m",
        "--token-audiences", "istio-ca,bosun", "--lease-duration", "2m", "--webhook-port", "9443").options();
    assertThat(trusted.xds().plaintext()).isTrue();
    assertThat(trusted.security().workloadCertTtl()).isEqualTo(Duration.ofMinutes(90));
    assertThat(trusted.security().tokenAudiences()).containsExactly("istio-ca", "bosun");
    assertThat(trusted.lease().duration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(trusted.webhooks().port()).isEqualTo(9443);
    assertThat(kube("--webhooks", "false").options().webhooks()).isNull();
    assertThat(kubeDefaults.serving.logFormat).isEqualTo(Logs.Format.TEXT);
    assertThat(kubeDefaults.serving.logLevels).isNull();
    KubeCommand logging = kube("--log-format", "JSON", "--log-level", "io.bosun.push=debug,warn");
    assertThat(logging.serving.logFormat).isEqualTo(Logs.Format.JSON);
    assertThat(logging.serving.logLevels.byLogger()).containsEntry("io.bosun.push", Level.DEBUG)
        .containsEntry("ROOT", Level.WARN);
    // a wrapper may override what a chart passes: the last occurrence wins
    assertThat(kube("--monitoring-address", "0.0.0.0", "--monitoring-address", "127.0.0.1").options().monitoring()
        .host()).isEqualTo("127.0.0.1");
    assertThat(Main.run("kube", "--xds-plaintext", "yes")).isEqualTo(2);
    assertThat(err()).contains("--xds-plaintext", "\"yes\" is not true or false");
    assertThat(Main.run("kube", "--workload-cert-ttl", "1d")).isEqualTo(2);
    assertThat(err()).contains("is not a duration such as 500ms, 90s, 30m or 24h");
    // a lease duration is a duration, not a port number
    assertThat(Main.run("kube", "--lease-duration", "15")).isEqualTo(2);
    assertThat(err()).contains("--lease-duration", "\"15\" is not a duration");
  }

  private static KubeCommand kube(String... args) {
    KubeCommand command = new KubeCommand();
    Cli.commandLine(command, "bosun").parseArgs(args);
    return command;
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void usageErrorsSayWhatIsWrongAndExitTwo() throws Exception {
    assertThat(Main.run("standalone")).isEqualTo(2);
    assertThat(err()).contains("bosun: Missing required option: '--config=DIR'",
        "See 'bosun standalone --help' for the usage.");
    assertThat(Main.run("standalone", "--config", "x", "--xds-port", "abc")).isEqualTo(2);
    assertThat(err()).contains("'--xds-port'", "\"abc\" is not a port number");
    assertThat(Main.run("standalone", "--config", "x", "--confg", "y")).isEqualTo(2);
    assertThat(err()).contains("Unknown options: '--confg', 'y'");
    assertThat(Main.run("standalone", "--config", "/does/not/exist")).isEqualTo(2);
    assertThat(err()).contains("bosun: config directory /does/not/exist does not exist");
    assertThat(Main.run("frobnicate")).isEqualTo(2);
    assertThat(err()).contains("Unmatched argument at index 0: 'frobnicate'");
    assertThat(Main.run()).isEqualTo(2);
    assertThat(Main.run("standalone", "--config", "x", "--log-level", "io.bosun.push=loud")).isEqualTo(2);
    assertThat(err()).contains("'--log-level'", "\"loud\" is not a log level");
    assertThat(Main.run("standalone", "--config", "x", "--log-level", "io.bosun.push debug")).isEqualTo(2);
    assertThat(err()).contains("\"io.bosun.push debug\" is neither a level nor LOGGER=LEVEL");
    assertThat(Main.run("kube", "--log-format", "xml")).isEqualTo(2);
    assertThat(err()).contains("'--log-format': expected one of [TEXT, JSON] (case-insensitive) but was 'xml'");
    assertThat(Main.run("intercept", "--exclude-inbound-ports", "http", "--dry-run", "true")).isEqualTo(2);
  }

  @Test
  void validateReportsEveryProblemAndFailsOnErrors() throws Exception {
    assertThat(Main.run("validate", Samples.root().resolve("samples").toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("[0-9]+ resources checked: 0 errors");
    out.reset();
    Path corpus = Samples.validationCorpus();
    Path invalid = corpus.resolve("invalid/vs-bad-timeout.yaml");
    assertThat(Main.run("validate", invalid.toString(), corpus.resolve("valid").toString())).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("error: " + invalid + ": VirtualService "
            + "default/vs-bad-timeout: spec.http[0].timeout: invalid duration \"5x\"")
        .contains((1 + validFiles(corpus.resolve("valid"))) + " resources checked: 1 errors");
    assertThat(Main.run("validate", "/does/not/exist")).isEqualTo(2);
    assertThat(err()).contains("bosun: /does/not/exist does not exist");
  }

  private static long validFiles(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).count();
    }
  }

  @Test
  void aRingHashSizeThatCannotBeReadIsReportedNotSilentlyDropped() throws Exception {
    Path f = Files.createTempFile("rh", ".yaml");
    Files.writeString(f, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: rh}
        spec:
          host: a
          trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, ringHash: {minimumRingSize: 1024}}}}
        """);
    assertThat(Main.run("validate", f.toString())).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("warning: ").contains(
        "spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize: cannot be read");
  }

  @Test
  void helpAndVersion() throws Exception {
    assertThat(Main.run("help")).isZero();
    assertThat(Main.run("standalone", "--help")).isZero();
    assertThat(Main.run("version")).isZero();
    assertThat(Main.run("--version")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Usage: bosun [-hV] [COMMAND]", "standalone", "kube-inject", "--config=DIR",
            "bosun " + BuildInfo.version());
  }

  @Test
  void bosunctlHasTheOperatorsCommandsOnly() throws Exception {
    assertThat(Bosunctl.run("version", "--remote=false")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("client version: " + BuildInfo.version());
    out.reset();
    System.setProperty("picocli.ansi", "true"); // as on a terminal
    try {
      assertThat(Bosunctl.run("version", "--help")).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("\u001b[");
      out.reset();
      assertThat(Bosunctl.run("version", "--help", "--no-color")).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("--remote").doesNotContain("\u001b[");
    } finally {
      System.clearProperty("picocli.ansi");
    }
    assertThat(Bosunctl.run("standalone", "--config", ".")).isEqualTo(2);
    assertThat(err()).contains("Unmatched arguments from index 0: 'standalone'");
  }

  @Test
  void kubeInjectWarnsOnStandardErrorAndInjectsDeploymentConfigs() throws Exception {
    Path manifests = Files.createTempFile("kube-inject", ".yaml");
    try {
      Files.writeString(manifests, """
          apiVersion: v1
          kind: Pod
          metadata: {name: grpc-1, namespace: shop, annotations: {inject.istio.io/templates: grpc-agent}}
          spec: {containers: [{name: grpc, image: example/grpc:1}]}
          ---
          apiVersion: apps.openshift.io/v1
          kind: DeploymentConfig
          metadata: {name: hello, namespace: shop}
          spec:
            template:
              metadata: {labels: {app: hello}}
              spec: {containers: [{name: hello, image: example/hello:1}]}
          """);
      assertThat(Bosunctl.run("kube-inject", "-f", manifests.toString())).isZero();
      String[] docs = out.toString(StandardCharsets.UTF_8).split("(?m)^---$");
      assertThat(docs).hasSize(2);
      assertThat(docs[0]).as("left alone").doesNotContain("istio-proxy");
      assertThat(docs[1]).contains("kind: DeploymentConfig", "name: istio-proxy", "name: istio-init");
      assertThat(err()).contains("Warning: Pod shop/grpc-1: inject.istio.io/templates: Bosun does not offer Istio's"
          + " \"grpc-agent\" template");
    } finally {
      Files.delete(manifests);
    }
  }
}
