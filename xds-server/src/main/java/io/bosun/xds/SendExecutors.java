package io.bosun.xds;

import com.google.common.util.concurrent.MoreExecutors;
import io.bosun.concurrent.DaemonThreads;
import io.envoyproxy.controlplane.server.ExecutorGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where responses are serialized and written: java-control-plane's default writes each one on
 * the thread that published the snapshot, so one push serialized every proxy's response in turn
 * under the cache's lock (a 400 KB route table to 2000 proxies: seconds on one core). Here each
 * stream gets its own sequential executor (its responses stay in order) over a pool with a
 * thread per core.
 */
final class SendExecutors implements ExecutorGroup, AutoCloseable {
  private final ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
      DaemonThreads.named("xds-send"));

  @Override
  public Executor next() {
    return MoreExecutors.newSequentialExecutor(pool);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
