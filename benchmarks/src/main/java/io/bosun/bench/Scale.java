package io.bosun.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the scale scenarios and prints one table row each; with {@code --record FILE} also
 * appends the rows, dated and with the commit, to that file (BENCHMARKS.md). Usage:
 * {@code Scale [S1|S2|S3|S4 ...] [--services N] [--namespaces N] [--proxies N] [--minutes M]
 * [--delta] [--scoped] [--xmx SIZE] [--record FILE]}; the defaults are the sizes BENCHMARKS.md names; --xmx is
 * Bosun's heap (default: the JVM's, and 1g for S4).
 */
public final class Scale {
  private Scale() {
  }

  public static void main(String[] args) throws Exception {
    List<String> scenarios = new ArrayList<>();
    int services = 1000;
    int namespaces = 50;
    int proxies = 2000;
    double minutes = 10;
    boolean delta = false;
    boolean scoped = false;
    String xmx = null;
    Path record = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--services" -> services = Integer.parseInt(args[++i]);
        case "--namespaces" -> namespaces = Integer.parseInt(args[++i]);
        case "--proxies" -> proxies = Integer.parseInt(args[++i]);
        case "--minutes" -> minutes = Double.parseDouble(args[++i]);
        case "--delta" -> delta = true;
        case "--scoped" -> scoped = true;
        case "--xmx" -> xmx = args[++i];
        case "--record" -> record = Path.of(args[++i]);
        default -> scenarios.add(args[i].toUpperCase(Locale.ROOT));
      }
    }
    if (scenarios.isEmpty()) {
      scenarios = List.of("S1", "S2", "S3", "S4");
    }
    Path logs = Files.createTempDirectory("bosun-bench");
    Duration churn = Duration.ofMillis((long) (minutes * 60_000));
    int exit = 0;
    for (String s : scenarios) {
      Scenarios.Setup setup = new Scenarios.Setup(services, namespaces, proxies, delta,
          s.equals("S3") ? Duration.ofSeconds(Math.min(60, churn.toSeconds())) : churn,
          xmx != null ? xmx : s.equals("S4") ? "1g" : null,
          logs, scoped);
      Scenarios.Result r = switch (s) {
        case "S1" -> Scenarios.s1(setup);
        case "S2" -> Scenarios.s2(setup);
        case "S3" -> Scenarios.s3(setup, 30);
        case "S4" -> Scenarios.s4(setup);
        default -> throw new IllegalArgumentException("no scenario " + s + " (S1, S2, S3, S4)");
      };
      String row = row(r);
      System.out.println(row);
      r.failures().forEach(f -> System.out.println("  FAILED: " + f));
      if (!r.ok()) {
        exit = 1;
      }
      if (record != null) {
        Files.writeString(record, row + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
    System.out.println("Bosun's logs: " + logs);
    System.exit(exit);
  }

  /** {@code | date | commit | scenario | setup | measured | checks |}. */
  static String row(Scenarios.Result r) {
    StringBuilder measured = new StringBuilder();
    for (Map.Entry<String, String> e : r.values().entrySet()) {
      measured.append(measured.length() == 0 ? "" : "; ").append(e.getKey()).append(": ").append(e.getValue());
    }
    return "| " + LocalDate.now() + " | " + commit() + " | " + r.scenario() + " | " + r.setup() + " | " + measured
        + " | " + (r.ok() ? "all clients converged to the expected content" : "FAILED: " + r.failures().get(0))
        + " |";
  }

  private static String commit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "?";
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
