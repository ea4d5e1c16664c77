package io.bosun.concurrent;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Coalesces bursts of changes: fires once the changes have been quiet for {@code quietMillis},
 * or {@code maxMillis} after the first unserved change even if they keep coming.
 */
public final class Debouncer {
  private final ScheduledExecutorService executor;
  private final long quietMillis;
  private final long maxMillis;
  private final Runnable action;
  private final LongSupplier clock;
  private long firstPending = -1;
  private long lastPending = -1;
  private ScheduledFuture<?> scheduled;

  public Debouncer(ScheduledExecutorService executor, long quietMillis, long maxMillis, Runnable action) {
    this(executor, quietMillis, maxMillis, action, () -> System.nanoTime() / 1_000_000);
  }

  Debouncer(ScheduledExecutorService executor, long quietMillis, long maxMillis, Runnable action, LongSupplier clock) {
    this.executor = executor;
    this.quietMillis = quietMillis;
    this.maxMillis = maxMillis;
    this.action = action;
    this.clock = clock;
  }

  /** Notes a change; the action runs later on the executor, once per burst. */
  public synchronized void trigger() {
    long now = clock.getAsLong();
    if (firstPending < 0) {
      firstPending = now;
    }
    lastPending = now;
    if (scheduled == null) {
      scheduled = executor.schedule(this::check, quietMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void check() {
    synchronized (this) {
      scheduled = null;
      long now = clock.getAsLong();
      long quietFor = now - lastPending;
      long pendingFor = now - firstPending;
      if (quietFor < quietMillis && pendingFor < maxMillis) {
        long wait = Math.min(quietMillis - quietFor, maxMillis - pendingFor);
        scheduled = executor.schedule(this::check, Math.max(1, wait), TimeUnit.MILLISECONDS);
        return;
      }
      firstPending = -1;
      lastPending = -1;
    }
    action.run();
  }
}
