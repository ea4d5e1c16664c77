package io.bosun.xds.auth;

import io.bosun.logging.LogSafe;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs refused callers without letting them flood the log: at most one line per key (e.g. the
 * caller's address) every {@link #EVERY_NANOS}, carrying how many refusals it stood for. A refused
 * client typically retries at once, so one line per attempt would be thousands a second.
 */
public final class RefusalLog {
  static final long EVERY_NANOS = 10_000_000_000L;
  private static final int MAX_KEYS = 10_000;

  private record Window(long start, AtomicLong count) {
  }

  private final Logger log;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  public RefusalLog(Logger log) {
    this.log = log;
  }

  /** Logs {@code message} for {@code key} unless a line for it went out less than 10 s ago. */
  public void refused(String key, String message) {
    long now = System.nanoTime();
    Window w = windows.get(key);
    if (w != null && now - w.start() < EVERY_NANOS) {
      w.count().incrementAndGet();
      return;
    }
    long suppressed = w == null ? 0 : w.count().get();
    if (windows.size() >= MAX_KEYS) {
      windows.values().removeIf(x -> now - x.start() >= EVERY_NANOS);
    }
    windows.put(key, new Window(now, new AtomicLong()));
    if (suppressed > 0) {
      log.info("{} (and {} more refusals of this client in the last 10 s)", LogSafe.escape(message), suppressed);
    } else {
      log.info("{}", LogSafe.escape(message));
    }
  }
}
