package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Random bytes on the xDS port (Jazzer): each input is one connection that sends them and goes
 * away; the server must keep serving a real ADS client throughout (checked every 200 inputs) and
 * keep its memory bounded (Jazzer's RSS limit).
 */
class TransportFuzzTest {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static XdsServer server;
  private static ManagedChannel channel;
  private static final AtomicInteger inputs = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    server = new XdsServer(new InetSocketAddress("127.0.0.1", 0), Node::getCluster,
        (group, node) -> server.setResources(group, Fixtures.basic())).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @FuzzTest(maxDuration = "25s", maxExecutions = 5_000)
  void randomBytesNeverStopTheServer(FuzzedDataProvider data) throws Exception {
    byte[] bytes = data.consumeRemainingAsBytes();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(200);
      OutputStream out = s.getOutputStream();
      if (bytes.length > 0 && (bytes[0] & 1) == 1) {
        out.write(PREFACE); // past the HTTP/2 preface, so the frames themselves are fuzzed
      }
      out.write(bytes);
      out.flush();
      try {
        s.getInputStream().read(new byte[512]);
      } catch (IOException e) {
        // a timeout or a reset: either way the connection is the fuzzer's, not the server's
      }
    } catch (IOException e) {
      // the server closing on a garbage client is fine
    }
    if (inputs.incrementAndGet() % 200 == 0) {
      try (FakeEnvoy envoy = new FakeEnvoy(channel, Fixtures.node("sidecar~10.0.0.1~a.ns~ns.svc.cluster.local",
          "g1"))) {
        envoy.request(Fixtures.CDS);
        assertThat(envoy.expect(Fixtures.CDS).getResourcesCount()).isPositive();
      }
    }
  }
}
