package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.analyze.Code;
import io.bosun.testing.Samples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzeCommandTest {
  static final String BROKEN = """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews, namespace: shop}
      spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews, namespace: shop}
      spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews, namespace: shop}
      spec: {hosts: [reviews], http: [{route: [{destination: {host: reviewz}, weight: 50},
        {destination: {host: reviews, subset: v2}, weight: 50}]}]}
      """;

  private final CapturedStreams streams = new CapturedStreams();

  @TempDir
  Path dir;

  @BeforeEach
  void capture() {
    streams.start();
  }

  @AfterEach
  void restore() {
    streams.stop();
  }

  private List<String> lines() {
    return Arrays.asList(streams.takeOut().split("\n"));
  }

  @Test
  void filesWithProblemsPrintOneLinePerFindingAndExitOne() throws IOException {
    Path file = Files.writeString(dir.resolve("shop.yaml"), BROKEN);
    assertThat(Bosunctl.run("analyze", "-f", file.toString())).isEqualTo(1);
    assertThat(lines()).containsExactly(
        "Error [BSN0101] (VirtualService shop/reviews) spec.http[0].route[0].destination.host: Referenced host not"
            + " found: \"reviewz.shop.svc.cluster.local\"",
        "Error [BSN0102] (VirtualService shop/reviews) spec.http[0].route[1].destination.subset: Referenced"
            + " host+subset in destinationrule not found: \"reviews.shop.svc.cluster.local+v2\"",
        "Found 2 errors when analyzing " + file + ".");
  }

  @Test
  void cleanFilesSayNoIssuesAndExitZero() throws IOException {
    Path file = Files.writeString(dir.resolve("shop.yaml"), BROKEN.replace("reviewz", "reviews")
        .replace("subset: v2", "subset: v1"));
    assertThat(Bosunctl.run("analyze", "-f", file.toString())).isZero();
    assertThat(lines()).containsExactly("\u2714 No validation issues found when analyzing " + file + ".");
  }

  @Test
  void warningsAloneExitZeroAndJsonCarriesEveryField() throws IOException {
    Path file = Files.writeString(dir.resolve("shop.yaml"), BROKEN.replace("reviewz", "reviews")
        .replace("subset: v2", "subset: v1") + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: a, namespace: shop}
        spec: {}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: b, namespace: shop}
        spec: {}
        """);
    assertThat(Bosunctl.run("analyze", "-f", file.toString())).isZero();
    assertThat(lines()).containsExactly("Warning [BSN0108] (PeerAuthentication shop/b) More than one"
        + " namespace-wide PeerAuthentication (no selector) in namespace shop; only the first by name, shop/a,"
        + " applies", "Found 1 warning when analyzing " + file + ".");

    assertThat(Bosunctl.run("analyze", "-f", file.toString(), "-o", "json")).isZero();
    JsonNode json = new ObjectMapper().readTree(streams.takeOut());
    assertThat(json).hasSize(1);
    assertThat(json.get(0).get("code").asText()).isEqualTo("BSN0108");
    assertThat(json.get(0).get("level").asText()).isEqualTo("Warning");
    assertThat(json.get(0).get("name").asText()).isEqualTo("ConflictingWidePeerAuthentications");
    assertThat(json.get(0).get("kind").asText()).isEqualTo("PeerAuthentication");
    assertThat(json.get(0).get("namespace").asText()).isEqualTo("shop");
    assertThat(json.get(0).get("resource").asText()).isEqualTo("b");
    assertThat(json.get(0).get("field").asText()).isEmpty();
    assertThat(json.get(0).get("source").asText()).isEqualTo(file.toString());
  }

  @Test
  void validationErrorsAreFindingsToo() throws IOException {
    Path file = Files.writeString(dir.resolve("bad.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: broken, namespace: shop}
        spec: {hosts: [a]}
        """);
    assertThat(Bosunctl.run("analyze", "-f", dir.toString())).isEqualTo(1);
    assertThat(lines()).first().isEqualTo("Error [BSN0001] (VirtualService shop/broken) spec: http, tcp or tls must be"
        + " provided");
  }

  @Test
  void aMissingPathIsAUsageErrorBeforeAnythingIsRead() {
    Path missing = dir.resolve("nope.yaml");
    assertThat(Bosunctl.run("analyze", "-f", missing.toString(), "-A", "--kubeconfig", missing.toString()))
        .isEqualTo(2);
    assertThat(streams.err()).startsWith("bosunctl: " + missing + " does not exist");
  }

  @Test
  void everySampleAnalysesClean() throws IOException {
    List<Path> samples;
    try (Stream<Path> s = Files.list(Samples.root().resolve("samples"))) {
      samples = s.filter(Files::isDirectory).sorted().toList();
    }
    int analysed = 0;
    for (Path sample : samples) {
      try (Stream<Path> s = Files.list(sample)) {
        if (s.noneMatch(f -> f.toString().endsWith(".yaml"))) {
          continue; // e.g. the Grafana dashboard
        }
      }
      assertThat(Bosunctl.run("analyze", "-f", sample.toString())).as(sample.toString()).isZero();
      assertThat(lines()).as(sample.toString()).containsExactly("\u2714 No validation issues found when analyzing "
          + sample + ".");
      // taken as the whole mesh, every check runs: only the gateway's missing Pod may show (its
      // Envoy runs outside Kubernetes; docs/analyze.md)
      Bosunctl.run("analyze", "-f", sample.toString(), "--complete");
      assertThat(lines().stream().filter(l -> l.startsWith("Error") || l.startsWith("Warning")))
          .as(sample + " --complete").allMatch(l -> l.startsWith("Error [BSN0104] (Gateway "));
      analysed++;
    }
    assertThat(analysed).isGreaterThanOrEqualTo(2);
  }

  @Test
  void completeFilesReportWhatTheyDoNotDefine() throws IOException {
    Path file = Files.writeString(dir.resolve("vs.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
        """);
    assertThat(Bosunctl.run("analyze", "-f", file.toString())).isZero();
    lines();
    assertThat(Bosunctl.run("analyze", "-f", file.toString(), "--complete")).isEqualTo(1);
    assertThat(lines()).first().asString().startsWith("Error [BSN0101] (VirtualService shop/r)");
  }

  @Test
  void helpHasExamplesAndDocsListEveryCode() throws IOException {
    assertThat(Bosunctl.run("analyze", "--help")).isZero();
    assertThat(streams.takeOut()).contains("Examples:", "bosunctl analyze -f samples/bookinfo",
        "bosunctl analyze -A");
    String docs = Files.readString(Samples.root().resolve("docs/analyze.md"));
    for (Code code : Code.values()) {
      assertThat(docs).as(code.id()).contains("| " + code.id() + " | " + code.title() + " | "
          + code.level().label() + " |");
    }
    assertThat(Files.readString(Samples.root().resolve("README.md"))).contains("docs/analyze.md");
  }
}
