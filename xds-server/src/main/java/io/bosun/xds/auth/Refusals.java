package io.bosun.xds.auth;

import io.bosun.concurrent.DaemonThreads;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a refused call after a short delay rather than at once. A refused client usually retries
 * immediately; answering at once lets a handful of clients spin Bosun's CPU (and push latency for
 * real proxies) at thousands of refusals a second, while a second's wait costs a legitimate proxy
 * nothing (it backs off longer anyway) and bounds an attacker to a few retries per stream.
 */
public final class Refusals {
  static final long DELAY_MILLIS = 1_000;
  private static final ScheduledExecutorService TIMER = DaemonThreads.scheduler("xds-refusals");

  private Refusals() {
  }

  public static <Q, R> void close(ServerCall<Q, R> call, Status status) {
    TIMER.schedule(() -> {
      try {
        call.close(status, new Metadata());
      } catch (IllegalStateException e) {
        // the client went away (call already closed): nothing to do
      }
    }, DELAY_MILLIS, TimeUnit.MILLISECONDS);
  }
}
