package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A delta ADS client that sends node on its first request only, like Envoy. */
final class FakeDeltaEnvoy implements AutoCloseable {

  private final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private final Node node;
  private boolean nodeSent;
  private boolean hungUp;

  FakeDeltaEnvoy(Channel channel, Node node) {
    this.node = node;
    this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
        .deltaAggregatedResources(new StreamObserver<>() {
          @Override
          public void onNext(DeltaDiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
  }

  void subscribe(String typeUrl, String... names) {
    send(DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(typeUrl)
        .addAllResourceNamesSubscribe(List.of(names)));
  }

  /** A reconnecting Envoy's first request of a type: it names the resources it still holds, with their versions. */
  void resubscribe(String typeUrl, Map<String, String> held, String... names) {
    send(DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(typeUrl)
        .addAllResourceNamesSubscribe(List.of(names))
        .putAllInitialResourceVersions(held));
  }

  /** The next response, or null if none arrives within {@code millis}. */
  DeltaDiscoveryResponse poll(long millis) throws InterruptedException {
    return responses.poll(millis, TimeUnit.MILLISECONDS);
  }

  void ack(DeltaDiscoveryResponse response) {
    send(DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(response.getTypeUrl())
        .setResponseNonce(response.getNonce()));
  }

  void nack(DeltaDiscoveryResponse response, String message) {
    send(DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(response.getTypeUrl())
        .setResponseNonce(response.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)));
  }

  DeltaDiscoveryResponse expect(String typeUrl) {
    DeltaDiscoveryResponse response;
    try {
      response = responses.poll(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    assertThat(response).as("a delta %s response within 5 s", typeUrl).isNotNull();
    assertThat(response.getTypeUrl()).as("type of the next response").isEqualTo(typeUrl);
    return response;
  }

  @Override
  public void close() {
    if (!hungUp) {
      hungUp = true;
      requests.onCompleted();
    }
  }

  private void send(DeltaDiscoveryRequest.Builder request) {
    if (!nodeSent) {
      request.setNode(node);
      nodeSent = true;
    }
    requests.onNext(request.build());
  }
}
