package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A state-of-the-world ADS client that behaves like Envoy on the wire: node on first request only. */
final class FakeEnvoy implements AutoCloseable {

  private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  final CompletableFuture<Throwable> ended = new CompletableFuture<>();
  private final StreamObserver<DiscoveryRequest> requests;
  private final Node node;
  private boolean nodeSent;
  private boolean hungUp;

  /** A null node makes a client that never identifies itself. */
  FakeEnvoy(Channel channel, Node node) {
    this.node = node;
    this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
        .streamAggregatedResources(new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(t);
          }

          @Override
          public void onCompleted() {
            ended.complete(null);
          }
        });
  }

  /** Initial request for a type (no nonce). */
  void request(String typeUrl, String... names) {
    send(DiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNames(List.of(names)));
  }

  void ack(DiscoveryResponse response, String... names) {
    send(DiscoveryRequest.newBuilder()
        .setTypeUrl(response.getTypeUrl())
        .setVersionInfo(response.getVersionInfo())
        .setResponseNonce(response.getNonce())
        .addAllResourceNames(List.of(names)));
  }

  /** Like Envoy: the version is the last one accepted, the nonce the rejected response's. */
  void nack(DiscoveryResponse response, String lastAccepted, String message, String... names) {
    send(DiscoveryRequest.newBuilder()
        .setTypeUrl(response.getTypeUrl())
        .setVersionInfo(lastAccepted)
        .setResponseNonce(response.getNonce())
        .addAllResourceNames(List.of(names))
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)));
  }

  /** Asserts that the next response to arrive is of the given type and returns it. */
  DiscoveryResponse expect(String typeUrl) {
    DiscoveryResponse response;
    try {
      response = responses.poll(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertThat(response).as("a %s response within 5 s", typeUrl).isNotNull();
    assertThat(response.getTypeUrl()).as("type of the next response").isEqualTo(typeUrl);
    return response;
  }

  /** The next response if one arrives within {@code millis}, else null. */
  DiscoveryResponse poll(long millis) {
    try {
      return responses.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next response of any type, within 5 s. */
  DiscoveryResponse next() {
    try {
      DiscoveryResponse response = responses.poll(5, TimeUnit.SECONDS);
      assertThat(response).as("a response within 5 s").isNotNull();
      return response;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The status the server ended the stream with (waits up to 5 s; OK when it completed normally). */
  io.grpc.Status endStatus() {
    try {
      Throwable t = ended.get(5, TimeUnit.SECONDS);
      return t == null ? io.grpc.Status.OK : io.grpc.Status.fromThrowable(t);
    } catch (Exception e) {
      throw new AssertionError("the stream did not end within 5 s", e);
    }
  }

  /** Ends the stream from the client side, as Envoy does on shutdown. */
  void hangUp() {
    if (!hungUp) {
      hungUp = true;
      requests.onCompleted();
    }
  }

  @Override
  public void close() {
    hangUp();
  }

  private void send(DiscoveryRequest.Builder request) {
    if (!nodeSent && node != null) {
      request.setNode(node);
      nodeSent = true;
    }
    requests.onNext(request.build());
  }
}
