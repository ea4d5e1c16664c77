package io.bosun.xds;

import java.time.Duration;

/** Retries an assertion until it holds or a deadline passes; the pause only paces retries. */
final class Eventually {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private Eventually() {}

  static void eventually(Runnable assertion) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
