package io.bosun.xds;

import static io.bosun.xds.Fixtures.CDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The public constructor on a real loopback socket, as Envoy would reach it. */
class XdsServerNettyTest {

  @Test
  void servesAdsAndHealthOnAnEphemeralPort() throws Exception {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (XdsServer server = new XdsServer(loopback, node -> "all", (group, node) -> { })) {
      server.start();
      server.setResources("all", Fixtures.basic());
      assertThat(server.port()).isPositive();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      try {
        ServingStatus status = HealthGrpc.newBlockingStub(channel)
            .check(HealthCheckRequest.newBuilder()
                .setService(AggregatedDiscoveryServiceGrpc.SERVICE_NAME).build())
            .getStatus();
        assertThat(status).isEqualTo(ServingStatus.SERVING);

        try (FakeEnvoy envoy = new FakeEnvoy(channel, Fixtures.node("sidecar~x", "ignored"))) {
          envoy.request(CDS);
          assertThat(envoy.expect(CDS).getVersionInfo())
              .isEqualTo(Fixtures.basic().clustersVersion());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
