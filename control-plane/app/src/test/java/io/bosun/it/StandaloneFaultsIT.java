package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.config.ConfigError;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.runtime.StandaloneBosun;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone Bosun fed what the faults report fed it (findings 3, 6, 14): it starts with a bad
 * file present, reports it, keeps watching, and rejects the worst inputs in well under a second
 * while other files' changes keep applying. Prints the rejection times for BENCHMARKS.md.
 */
class StandaloneFaultsIT {
  static final String SE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: NAME, namespace: default}
      spec:
        hosts: [NAME.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        endpoints: [{address: 127.0.0.1}]
      """;

  @TempDir
  Path dir;

  static String vsWithRegex(String regex) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: re, namespace: default}
        spec:
          hosts: [x]
          http: [{match: [{uri: {regex: "%s"}}], route: [{destination: {host: good.example.com}}]}]
        """.formatted(regex);
  }

  static int ready(StandaloneBosun b) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + b.monitoringPort() + "/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void startsWithTheWorstInputsPresentAndKeepsWatching() throws Exception {
    // finding 3: a 5000-deep regex made Bosun exit at startup (StackOverflowError in main)
    Files.writeString(dir.resolve("deep.yaml"), vsWithRegex("(".repeat(5000) + ")".repeat(5000)));
    Files.writeString(dir.resolve("good.yaml"), SE.replace("NAME", "good"));
    try (StandaloneBosun bosun = StandaloneBosun.start(dir, "127.0.0.1", 0, "127.0.0.1", 0)) {
      assertThat(ready(bosun)).isEqualTo(200);
      assertThat(bosun.store().problems()).extracting(ConfigError::toString)
          .anyMatch(p -> p.contains("deep.yaml: VirtualService default/re: spec.http[0].match[0].uri.regex"));
      // the watcher is alive: a new file is applied (finding 3: after the overflow nothing ever was)
      Files.writeString(dir.resolve("probe.yaml"), SE.replace("NAME", "probe"));
      await("the probe file applied").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> bosun.store()
          .entry(new ResourceRef(Kind.SERVICE_ENTRY, "default",
          "probe")).isPresent());
    }
  }

  @Test
  void theWorstInputsAreRejectedQuicklyWhileOtherChangesApply() throws Exception {
    Files.writeString(dir.resolve("good.yaml"), SE.replace("NAME", "good"));
    try (StandaloneBosun bosun = StandaloneBosun.start(dir, "127.0.0.1", 0, "127.0.0.1", 0)) {
      // finding 6: a 50 MB file, one scalar
      Path big = dir.resolve(".big.tmp");
      try (Writer w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
        w.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: default}\ndata:\n  blob: \"");
        char[] chunk = new char[1 << 20];
        Arrays.fill(chunk, 'A');
        for (int i = 0; i < 50; i++) {
          w.write(chunk);
        }
        w.write("\"\n");
      }
      long bigMillis = rejectionMillis(bosun, big, dir.resolve("big.yaml"), "not read");
      // finding 14: a 200,000-character literal regex
      Path literal = dir.resolve(".literal.tmp");
      Files.writeString(literal, vsWithRegex("a".repeat(200_000)));
      long literalMillis = rejectionMillis(bosun, literal, dir.resolve("literal.yaml"), "the limit is 1024");
      Files.delete(dir.resolve("literal.yaml"));
      // finding 3: the deepest nesting that fits the length limit, and the repetition bomb
      Path nested = dir.resolve(".nested.tmp");
      Files.writeString(nested, vsWithRegex("(".repeat(500) + ")".repeat(500)));
      long nestedMillis = rejectionMillis(bosun, nested, dir.resolve("nested.yaml"), "more than 64 deep");
      Files.delete(dir.resolve("nested.yaml"));
      Path bomb = dir.resolve(".bomb.tmp");
      Files.writeString(bomb, vsWithRegex("((a{100}){100}){100}"));
      long bombMillis = rejectionMillis(bosun, bomb, dir.resolve("bomb.yaml"), "more than 1000 times");
      System.out.printf("rejected (from file in place to error reported, settle window of 1 s included): "
          + "50 MB file %d ms, 200,000-character regex %d ms, 500-deep regex %d ms, ((a{100}){100}){100} %d ms%n",
          bigMillis, literalMillis, nestedMillis, bombMillis);
      // meanwhile another file's change still applies
      Files.writeString(dir.resolve("after.yaml"), SE.replace("NAME", "after"));
      await("a later change applied").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> bosun.store()
          .entry(new ResourceRef(Kind.SERVICE_ENTRY, "default",
          "after")).isPresent());
      assertThat(ready(bosun)).isEqualTo(200);
    }
  }

  /** Moves {@code tmp} into place (atomically); returns ms until an error containing {@code expected} is reported. */
  static long rejectionMillis(StandaloneBosun bosun, Path tmp, Path target, String expected) throws Exception {
    long t0 = System.nanoTime();
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    await("rejection of " + target.getFileName()).atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
        bosun.store().problems().stream()
        .anyMatch(p -> p.source().equals(target.toString()) && p.message().contains(expected)));
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
