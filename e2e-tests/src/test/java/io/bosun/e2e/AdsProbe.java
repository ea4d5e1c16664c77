package io.bosun.e2e;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One ADS request as a proxy (or an attacker) would send it to Bosun's 15012: TLS verified with the
 * mesh roots and Bosun's Service name, an optional bearer token, a node, a type and names. The
 * answer is the first response, or the status the stream was refused with.
 */
final class AdsProbe {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

  /** The first response, or why there was none. */
  record Answer(DiscoveryResponse response, Status refused) {
    boolean answered() {
      return response != null;
    }
  }

  private AdsProbe() {
  }

  static Node node(String id, String namespace, Map<String, String> labels, String serviceAccount) {
    Struct.Builder l = Struct.newBuilder();
    labels.forEach((k, v) -> l.putFields(k, Value.newBuilder().setStringValue(v).build()));
    Struct.Builder md = Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
        .putFields("LABELS", Value.newBuilder().setStructValue(l).build());
    if (!serviceAccount.isEmpty()) {
      md.putFields("SERVICE_ACCOUNT", Value.newBuilder().setStringValue(serviceAccount).build());
    }
    return Node.newBuilder().setId(id).setCluster("probe").setMetadata(md).build();
  }

  static ManagedChannel channel(int port, String rootsPem, String authority) throws Exception {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).overrideAuthority(authority)
        .sslContext(GrpcSslContexts.forClient()
            .trustManager(new ByteArrayInputStream(rootsPem.getBytes(StandardCharsets.US_ASCII))).build())
        .build();
  }

  static Answer ask(ManagedChannel channel, String token, Node node, String typeUrl, List<String> names,
                    Duration wait) throws Exception {
    CompletableFuture<Answer> first = new CompletableFuture<>();
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (token != null) {
      stub = stub.withCallCredentials(bearer(token));
    }
    StreamObserver<DiscoveryRequest> requests = stub.streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse r) {
        first.complete(new Answer(r, null));
      }

      @Override
      public void onError(Throwable t) {
        first.complete(new Answer(null, Status.fromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        first.complete(new Answer(null, Status.OK.withDescription("stream ended without a response")));
      }
    });
    requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).addAllResourceNames(names).build());
    try {
      return first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return new Answer(null, Status.DEADLINE_EXCEEDED.withDescription("no answer within " + wait));
    } finally {
      requests.onCompleted();
    }
  }

  static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(m);
      }
    };
  }
}
