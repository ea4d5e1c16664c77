package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Responses wait for their stream and for room in the budget; none is lost, reordered or stuck behind a dead one. */
class SendPacingTest {
  private final AtomicLong clock = new AtomicLong();
  /**
   * The test plays the timer (it calls retryWaiting itself): a real one would fire at once on the
   * fake clock's deadlines and race the assertions. A shut-down timer refuses every retry, which
   * SendPacing takes as "not scheduled".
   */
  private final ScheduledExecutorService timer = stopped(SendPacing.newTimer());
  /** 100 bytes in flight at most. */
  private final SendPacing pacing = new SendPacing(100, clock::get, timer);

  private static ScheduledExecutorService stopped(ScheduledExecutorService t) {
    t.shutdownNow();
    return t;
  }

  /** A stream whose readiness the test decides; it records what reached the transport. */
  private static final class FakeCall extends ServerCall<BytesValue, BytesValue> {
    final List<BytesValue> sent = new ArrayList<>();
    boolean ready = true;
    /** When set, the stream turns not-ready as soon as something is written (a proxy that does not read). */
    boolean stallOnSend;
    boolean closed;

    @Override
    public void request(int numMessages) {
    }

    @Override
    public void sendHeaders(Metadata headers) {
    }

    @Override
    public void sendMessage(BytesValue message) {
      sent.add(message);
      if (stallOnSend) {
        ready = false;
      }
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closed = true;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public MethodDescriptor<BytesValue, BytesValue> getMethodDescriptor() {
      MethodDescriptor.Marshaller<BytesValue> m = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(BytesValue value) {
          return value.toByteString().newInput();
        }

        @Override
        public BytesValue parse(InputStream stream) {
          return BytesValue.getDefaultInstance();
        }
      };
      return MethodDescriptor.<BytesValue, BytesValue>newBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("test/Stream").setRequestMarshaller(m).setResponseMarshaller(m).build();
    }
  }

  /** A call through the interceptor: what the service writes to, and the listener gRPC calls back. */
  private record Stream(FakeCall transport, ServerCall<BytesValue, BytesValue> service,
                        ServerCall.Listener<BytesValue> listener) {
    static Stream open(SendPacing pacing) {
      FakeCall transport = new FakeCall();
      List<ServerCall<BytesValue, BytesValue>> seen = new ArrayList<>();
      ServerCall.Listener<BytesValue> listener = pacing.interceptCall(transport, new Metadata(), (call, headers) -> {
        seen.add(call);
        return new ServerCall.Listener<>() { };
      });
      return new Stream(transport, seen.get(0), listener);
    }

    /** The proxy read everything: gRPC says the stream is ready again. */
    void drain() {
      transport.ready = true;
      listener.onReady();
    }
  }

  private static BytesValue message(int id, int size) {
    byte[] b = new byte[size];
    b[0] = (byte) id;
    return BytesValue.of(ByteString.copyFrom(b));
  }

  @Test
  void aResponseWaitsForRoomInTheBudgetAndGoesWhenAnotherStreamDrains() {
    Stream a = Stream.open(pacing);
    Stream b = Stream.open(pacing);
    a.transport().stallOnSend = true;
    b.transport().stallOnSend = true;
    BytesValue first = message(1, 80);
    BytesValue second = message(2, 80);

    a.service().sendMessage(first);
    b.service().sendMessage(second);

    assertThat(a.transport().sent).containsExactly(first);
    assertThat(b.transport().sent).as("80 + 80 bytes exceed the budget of 100").isEmpty();
    assertThat(pacing.inFlight()).isEqualTo(first.getSerializedSize());

    a.drain();

    assertThat(b.transport().sent).containsExactly(second);
    assertThat(pacing.inFlight()).isEqualTo(second.getSerializedSize());
  }

  @Test
  void aStreamThatIsNotReadyKeepsItsResponsesInOrderUntilItIs() {
    Stream a = Stream.open(pacing);
    a.transport().ready = false;
    BytesValue first = message(1, 10);
    BytesValue second = message(2, 10);
    BytesValue third = message(3, 10);

    a.service().sendMessage(first);
    a.service().sendMessage(second);
    assertThat(a.transport().sent).isEmpty();

    a.drain();
    a.service().sendMessage(third);

    assertThat(a.transport().sent).containsExactly(first, second, third);
    assertThat(pacing.inFlight()).as("the socket took each at once").isZero();
  }

  @Test
  void aResponseLargerThanTheBudgetStillGoesAlone() {
    Stream a = Stream.open(pacing);
    a.transport().stallOnSend = true;
    BytesValue big = message(1, 500);

    a.service().sendMessage(big);

    assertThat(a.transport().sent).containsExactly(big);
  }

  @Test
  void aStreamThatNeverReadsStopsCountingAfterItsTime() {
    Stream stuck = Stream.open(pacing);
    Stream other = Stream.open(pacing);
    stuck.transport().stallOnSend = true;
    BytesValue held = message(2, 80);
    stuck.service().sendMessage(message(1, 80));
    other.service().sendMessage(held);
    assertThat(other.transport().sent).isEmpty();

    clock.addAndGet(SendPacing.STUCK_NANOS - 1);
    pacing.retryWaiting();
    assertThat(other.transport().sent).as("not yet: the stuck stream may still read").isEmpty();

    clock.addAndGet(1);
    pacing.retryWaiting(); // what the timer does when the stuck stream's time is up

    assertThat(other.transport().sent).containsExactly(held);
  }

  @Test
  void aClosedStreamDropsWhatItHeldAndGivesItsRoomBack() {
    Stream a = Stream.open(pacing);
    Stream b = Stream.open(pacing);
    a.transport().stallOnSend = true;
    a.service().sendMessage(message(1, 80));
    a.service().sendMessage(message(2, 80));
    BytesValue waiting = message(3, 80);
    b.service().sendMessage(waiting);

    a.listener().onCancel();
    a.service().sendMessage(message(4, 80));

    assertThat(a.transport().sent).hasSize(1);
    assertThat(b.transport().sent).containsExactly(waiting);
  }

  @Test
  void closingTheCallByTheServiceAlsoReturnsItsRoom() {
    Stream a = Stream.open(pacing);
    Stream b = Stream.open(pacing);
    a.transport().stallOnSend = true;
    a.service().sendMessage(message(1, 80));
    BytesValue waiting = message(2, 80);
    b.service().sendMessage(waiting);

    a.service().close(Status.UNAVAILABLE, new Metadata());

    assertThat(a.transport().closed).isTrue();
    assertThat(b.transport().sent).containsExactly(waiting);
  }
}
