package io.bosun.xds;

import com.google.protobuf.MessageLite;
import io.bosun.concurrent.DaemonThreads;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Writes an xDS response only when its stream can take it and the server has room for it. gRPC
 * serializes a message into its per-stream buffers as soon as it is sent, however slowly the
 * proxy reads: 2000 sidecars connecting at once were sent 1.6 MB each (3 GB) before any was read,
 * and a 1 GiB Bosun ran out of memory. Here a response waits, still the message object whose
 * resources every proxy shares, until its stream is ready (gRPC's flow control) and the bytes
 * written but not yet taken by the socket, over all streams, fit the budget. Nothing is dropped or
 * reordered: java-control-plane sends a stream at most one response per type until that one is
 * answered, so a waiting queue holds a few messages at most. A stream that does not read counts
 * against the budget for {@link #STUCK_NANOS} at most (a timer then lets the waiting streams go),
 * so slow proxies cannot stall the others: each still holds at most the one response gRPC
 * buffered for it.
 */
final class SendPacing implements ServerInterceptor {
  /** How long a stream's undrained bytes count against the budget. */
  static final long STUCK_NANOS = 10_000_000_000L;
  private final long budget;
  private final LongSupplier clock;
  private final ScheduledExecutorService timer;
  /** Whether the timer has a retry of the waiting streams pending; guarded by this. */
  private boolean retryScheduled;
  /** Bytes handed to gRPC on streams that have not drained them since; guarded by this. */
  private long inFlight;
  /** Streams counting against the budget, in the order they started to; guarded by this. */
  private final LinkedHashSet<Paced<?, ?>> holders = new LinkedHashSet<>();
  /** Streams with a response held back by the budget, oldest first; guarded by this. */
  private final LinkedHashSet<Paced<?, ?>> waiting = new LinkedHashSet<>();

  /** At most {@code budgetBytes} written and not yet drained at a time (one larger response still goes alone). */
  SendPacing(long budgetBytes, LongSupplier clock, ScheduledExecutorService timer) {
    if (budgetBytes <= 0) {
      throw new IllegalArgumentException("budget must be positive: " + budgetBytes);
    }
    this.budget = budgetBytes;
    this.clock = clock;
    this.timer = timer;
  }

  /** A budget for this JVM: an eighth of the maximum heap, at most 256 MiB. */
  static SendPacing forHeap(ScheduledExecutorService timer) {
    return new SendPacing(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8), System::nanoTime, timer);
  }

  /** A daemon timer thread for {@link #forHeap}. */
  static ScheduledExecutorService newTimer() {
    return Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("xds-pacing"));
  }

  /** Lets the waiting streams try again once the oldest undrained stream stops counting (the timer's task). */
  void retryWaiting() {
    List<Paced<?, ?>> retry;
    synchronized (this) {
      retryScheduled = false;
      expireStuck();
      retry = new ArrayList<>(waiting);
      waiting.clear();
    }
    drainAll(retry);
  }

  /** Bytes written to streams and not drained yet (for tests and metrics). */
  synchronized long inFlight() {
    return inFlight;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                     ServerCallHandler<Q, R> next) {
    Paced<Q, R> paced = new Paced<>(call);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(paced, headers)) {
      @Override
      public void onReady() {
        paced.drained();
        super.onReady();
      }

      @Override
      public void onCancel() {
        paced.closed();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        paced.closed();
        super.onComplete();
      }
    };
  }

  private synchronized boolean acquire(Paced<?, ?> call, long bytes) {
    if (inFlight > 0 && inFlight + bytes > budget) {
      expireStuck();
    }
    if (inFlight > 0 && inFlight + bytes > budget) {
      waiting.add(call);
      if (!retryScheduled && !holders.isEmpty()) {
        retryScheduled = true;
        long due = holders.iterator().next().since + STUCK_NANOS - clock.getAsLong();
        try {
          timer.schedule(this::retryWaiting, Math.max(0, due), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          retryScheduled = false; // the server is closing: its streams are being cancelled
        }
      }
      return false;
    }
    if (call.holding == 0) {
      call.since = clock.getAsLong();
      holders.add(call);
    }
    inFlight += bytes;
    call.holding += bytes;
    return true;
  }

  /** Stops counting streams that have not drained for {@link #STUCK_NANOS}. */
  private void expireStuck() {
    long now = clock.getAsLong();
    for (Iterator<Paced<?, ?>> it = holders.iterator(); it.hasNext(); ) {
      Paced<?, ?> p = it.next();
      if (now - p.since < STUCK_NANOS) {
        return; // in order of since: the rest are younger
      }
      inFlight -= p.holding;
      p.holding = 0;
      it.remove();
    }
  }

  /** Returns what {@code call} held to the budget; the streams that were waiting for room, to try again. */
  private synchronized List<Paced<?, ?>> release(Paced<?, ?> call) {
    if (call.holding == 0) {
      return List.of();
    }
    inFlight -= call.holding;
    call.holding = 0;
    holders.remove(call);
    List<Paced<?, ?>> retry = new ArrayList<>(waiting);
    waiting.clear();
    return retry;
  }

  private synchronized List<Paced<?, ?>> forget(Paced<?, ?> call) {
    waiting.remove(call);
    return release(call);
  }

  /**
   * Drains {@code first} and then every stream a release let try again, one at a time: a stream's
   * own lock is never held while another's is taken.
   */
  private static void drainAll(List<Paced<?, ?>> first) {
    ArrayDeque<Paced<?, ?>> work = new ArrayDeque<>(first);
    while (!work.isEmpty()) {
      work.addAll(work.poll().drainOnce());
    }
  }

  /** One stream's side: its held responses, in order, and what it has in flight. */
  private final class Paced<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final ArrayDeque<R> held = new ArrayDeque<>(); // guarded by this
    private boolean closed; // guarded by this
    /** Bytes counted against the budget, and since when; guarded by SendPacing.this. */
    long holding;
    long since;

    Paced(ServerCall<Q, R> delegate) {
      super(delegate);
    }

    @Override
    public void sendMessage(R message) {
      synchronized (this) {
        if (closed) {
          return;
        }
        held.add(message);
      }
      drainAll(List.of(this));
    }

    /** Writes held responses while the stream is ready and the budget allows; the streams to retry after. */
    List<Paced<?, ?>> drainOnce() {
      List<Paced<?, ?>> retry = new ArrayList<>();
      synchronized (this) {
        while (!closed && !held.isEmpty() && delegate().isReady()) {
          R next = held.peek();
          if (!acquire(this, size(next))) {
            break;
          }
          held.poll();
          delegate().sendMessage(next);
          if (delegate().isReady()) {
            // below gRPC's threshold again: the socket took it, so it no longer counts
            retry.addAll(release(this));
          }
        }
      }
      return retry;
    }

    /** gRPC says the stream drained what it was given. */
    void drained() {
      List<Paced<?, ?>> work = new ArrayList<>();
      work.add(this);
      work.addAll(release(this));
      drainAll(work);
    }

    void closed() {
      synchronized (this) {
        closed = true;
        held.clear();
      }
      drainAll(forget(this));
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closed();
      super.close(status, trailers);
    }

    private long size(R message) {
      return message instanceof MessageLite m ? m.getSerializedSize() : 0;
    }
  }
}
