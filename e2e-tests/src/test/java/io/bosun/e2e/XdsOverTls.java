package io.bosun.e2e;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A proxy's first ADS exchange over TLS, as Envoy does it against 15012: trust a CA, ask for a name. */
final class XdsOverTls {
  private XdsOverTls() {
  }

  /** The first CDS response for {@code nodeId}, verifying the server against {@code caPem} and {@code authority}. */
  static DiscoveryResponse firstClusters(int port, String caPem, String authority, String nodeId) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).overrideAuthority(authority)
        .sslContext(GrpcSslContexts.forClient()
            .trustManager(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))).build())
        .build();
    try {
      CompletableFuture<DiscoveryResponse> first = new CompletableFuture<>();
      StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
          .streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
              first.complete(r);
            }

            @Override
            public void onError(Throwable t) {
              first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              first.completeExceptionally(new IllegalStateException("stream ended without a response"));
            }
          });
      requests.onNext(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(nodeId).setCluster("web.mesh"))
          .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build());
      try {
        return first.get(20, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause().toString(), e.getCause());
      } finally {
        requests.onCompleted();
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
