package io.bosun.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * Silences one class's log while a command runs: where the command's own output already says
 * what that log would (analyze prints every rejected resource as a finding), stderr need not
 * say it again.
 */
final class QuietLog {
  private QuietLog() {
  }

  static <T> T during(Class<?> owner, Supplier<T> work) {
    if (!(LoggerFactory.getLogger(owner) instanceof Logger logger)) {
      return work.get();
    }
    Level before = logger.getLevel();
    logger.setLevel(Level.OFF);
    try {
      return work.get();
    } finally {
      logger.setLevel(before);
    }
  }
}
