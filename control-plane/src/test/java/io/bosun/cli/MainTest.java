package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    var defaults = Main.kubeOptions(new Args(java.util.List.of(), Main.kubeOptions()));
    assertThat(defaults.plaintextXds()).isFalse();
    assertThat(defaults.xdsTlsPort()).isEqualTo(15012);
    assertThat(defaults.security().tokenAudiences()).containsExactly("istio-ca");
    assertThat(defaults.security().workloadCertTtl()).isEqualTo(java.time.Duration.ofHours(24));
    var trusted = Main.kubeOptions(new Args(java.util.List.of("--xds-plaintext", "true", "--workload-cert-ttl", "90m",
        "--token-audiences", "istio-ca,bosun"), Main.kubeOptions()));
    assertThat(trusted.plaintextXds()).isTrue();
    assertThat(trusted.security().workloadCertTtl()).isEqualTo(java.time.Duration.ofMinutes(90));
    assertThat(trusted.security().tokenAudiences()).containsExactly("istio-ca", "bosun");
    assertThat(Main.run(new String[] {"kube", "--xds-plaintext", "yes"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("option --xds-plaintext: \"yes\" is not true or false");
    assertThat(Main.run(new String[] {"kube", "--workload-cert-ttl", "1d"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("is not a duration such as 500ms, 90s, 30m or 24h");
  }

  @Test
  void usageErrorsSayWhatIsWrongAndExitTwo() throws Exception {
    assertThat(Main.run(new String[] {"standalone"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("bosun: option --config is required", "usage: bosun");
    assertThat(Main.run(new String[] {"standalone", "--config", "x", "--xds-port", "abc"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("option --xds-port: \"abc\" is not a port number");
    assertThat(Main.run(new String[] {"standalone", "--confg", "x"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --confg");
    assertThat(Main.run(new String[] {"standalone", "--config", "/does/not/exist"})).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("config directory /does/not/exist does not exist");
    assertThat(Main.run(new String[] {"frobnicate"})).isEqualTo(2);
  }

  @Test
  void validateReportsEveryProblemAndFailsOnErrors() throws Exception {
    assertThat(Main.run(new String[] {"validate", "../samples"})).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("[0-9]+ resources checked: 0 errors");
    out.reset();
    assertThat(Main.run(new String[] {"validate", "src/test/resources/validation/invalid/vs-bad-timeout.yaml",
        "src/test/resources/validation/valid"})).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("error: src/test/resources/validation/invalid/vs-bad-timeout.yaml: VirtualService "
            + "default/vs-bad-timeout: spec.http[0].timeout: invalid duration \"5x\"")
        .contains((1 + validFiles()) + " resources checked: 1 errors");
  }

  private static long validFiles() throws java.io.IOException {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/test/resources/validation/valid"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).count();
    }
  }

  @Test
  void aRingHashSizeThatCannotBeReadIsReportedNotSilentlyDropped() throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("rh", ".yaml");
    java.nio.file.Files.writeString(f, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: rh}
        spec:
          host: a
          trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x, ringHash: {minimumRingSize: 1024}}}}
        """);
    assertThat(Main.run(new String[] {"validate", f.toString()})).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("warning: ").contains(
        "spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize: cannot be read");
  }

  @Test
  void helpAndVersion() throws Exception {
    assertThat(Main.run(new String[] {"help"})).isZero();
    assertThat(Main.run(new String[] {"version"})).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("standalone --config DIR", "bosun ");
  }
}
