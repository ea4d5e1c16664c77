package io.bosun.e2e;

import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Waits;
import java.time.Duration;
import java.util.Map;

/** Waits until an Envoy's matching stats stop moving, so a test counts only what it causes itself. */
final class Settle {
  private Settle() {
  }

  static Map<String, Long> stats(EnvoyProcess envoy, String regex) {
    Object[] last = {envoy.statsMatching(regex)};
    long[] since = {System.nanoTime()};
    Waits.until("Envoy's " + regex + " settled", () -> {
      Map<String, Long> now = envoy.statsMatching(regex);
      if (!now.equals(last[0])) {
        last[0] = now;
        since[0] = System.nanoTime();
      }
      return System.nanoTime() - since[0] > 2_000_000_000L;
    }, Duration.ofSeconds(20));
    return envoy.statsMatching(regex);
  }
}
