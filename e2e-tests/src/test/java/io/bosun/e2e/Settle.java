package io.bosun.e2e;

import static org.awaitility.Awaitility.await;

import io.bosun.envoy.EnvoyProcess;
import java.time.Duration;
import java.util.Map;

/** Waits until an Envoy's matching stats stop moving, so a test counts only what it causes itself. */
final class Settle {
  private Settle() {
  }

  static Map<String, Long> stats(EnvoyProcess envoy, String regex) {
    Object[] last = {envoy.statsMatching(regex)};
    long[] since = {System.nanoTime()};
    await("Envoy's " + regex + " settled").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
      Map<String, Long> now = envoy.statsMatching(regex);
      if (!now.equals(last[0])) {
        last[0] = now;
        since[0] = System.nanoTime();
      }
      return System.nanoTime() - since[0] > 2_000_000_000L;
    });
    return envoy.statsMatching(regex);
  }
}
