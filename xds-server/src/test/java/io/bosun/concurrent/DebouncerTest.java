package io.bosun.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger fired = new AtomicInteger();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void aBurstFiresOnceAfterItGoesQuiet() throws Exception {
    Debouncer d = new Debouncer(executor, 100, 10_000, fired::incrementAndGet);
    for (int i = 0; i < 10; i++) {
      d.trigger();
      Thread.sleep(10);
    }
    assertThat(fired.get()).as("not while changes keep coming").isZero();
    Thread.sleep(400);
    assertThat(fired.get()).isEqualTo(1);
  }

  @Test
  void aNeverEndingStreamStillFiresAtTheMaximumDelay() throws Exception {
    Debouncer d = new Debouncer(executor, 100, 300, fired::incrementAndGet);
    long end = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < end) {
      d.trigger();
      Thread.sleep(20);
    }
    assertThat(fired.get()).isBetween(2, 4);
  }
}
