package io.bosun.envoy;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling for conditions that become true eventually (a push applied, a stat moved). */
public final class Waits {

  private static final long POLL_MILLIS = 50;

  private Waits() {
  }

  /**
   * Polls {@code condition} until it holds or {@code timeout} passes. A condition that throws
   * counts as "not yet" (e.g. the admin port is not open yet); if the latest attempt threw, that
   * error is attached to the failure.
   *
   * @throws IllegalStateException naming {@code what} when the time is up
   */
  public static void until(String what, BooleanSupplier condition, Duration timeout) {
    until(what, condition, timeout, () -> null);
  }

  /**
   * Like {@link #until(String, BooleanSupplier, Duration)}, but stops early when
   * {@code giveUp} returns a reason (e.g. the process being waited on has exited).
   */
  public static void until(String what, BooleanSupplier condition, Duration timeout, Supplier<String> giveUp) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
        last = null; // only an error from the latest attempt explains the failure
      } catch (RuntimeException e) {
        last = e;
      }
      String reason = giveUp.get();
      if (reason != null) {
        throw failure(reason + " while waiting for " + what, last);
      }
      if (System.nanoTime() - deadline >= 0) {
        throw failure("timed out after " + timeout.toMillis() + " ms waiting for " + what, last);
      }
      sleep(POLL_MILLIS);
    }
  }

  private static IllegalStateException failure(String message, RuntimeException lastError) {
    IllegalStateException failure = new IllegalStateException(message);
    if (lastError != null) {
      failure.addSuppressed(lastError);
    }
    return failure;
  }

  /** Sleeps, turning an interrupt into an unchecked failure that keeps the interrupt flag. */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
