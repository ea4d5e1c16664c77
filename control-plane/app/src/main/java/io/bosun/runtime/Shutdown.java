package io.bosun.runtime;

import io.bosun.concurrent.DaemonThreads;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Steps of shutting down: none may stop the others, and none may hang it. */
final class Shutdown {
  private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);

  private Shutdown() {
  }

  static void quietly(String what, AutoCloseable step) {
    try {
      step.close();
    } catch (Exception e) {
      LOG.warn("error while stopping {}: {}", what, e.toString());
    }
  }

  /** Runs {@code step} for at most {@code limit}, then goes on without it (a daemon thread finishes it or not). */
  static void bounded(String what, Runnable step, Duration limit) {
    Thread t = DaemonThreads.start("shutdown-" + what.replace(' ', '-'), () -> {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.warn("{} failed: {}", what, e.toString());
      }
    });
    try {
      t.join(limit.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      LOG.warn("{} did not finish within {} s (is the API server reachable?); shutting down without it", what,
          limit.toSeconds());
    }
  }
}
