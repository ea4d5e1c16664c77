package io.bosun.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.http.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The monitoring port keeps answering whatever clients do to it (findings 5 and 20). */
class MonitoringServerTest {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static int get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void halfSentRequestsDoNotFreezeReadiness() throws Exception {
    // finding 5: two connections sending "GET /ready HTTP/1.1\r\nHost: x\r\n" and then nothing froze
    // the 2-thread server, /ready timed out and every replica went NotReady
    List<Socket> stuck = new ArrayList<>();
    try (MonitoringServer m = new MonitoringServer(new MonitoringServer.Settings(
        new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), false),
        () -> true, () -> "m 1\n", Map::of, Map::of).start()) {
      for (int i = 0; i < 20; i++) {
        for (int port : new int[] {m.port(), m.readinessPort()}) {
          Socket s = new Socket("127.0.0.1", port);
          OutputStream out = s.getOutputStream();
          out.write("GET /ready HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          stuck.add(s);
        }
      }
      assertThat(get(m.port(), "/ready")).isEqualTo(200);
      assertThat(get(m.readinessPort(), "/ready")).isEqualTo(200);
      assertThat(get(m.port(), "/metrics")).isEqualTo(200);
      // the readiness port serves readiness and nothing else
      assertThat(get(m.readinessPort(), "/debug/configz")).isEqualTo(404);
      // the half-sent requests are dropped at the deadline
      stuck.get(0).setSoTimeout(15_000);
      assertThat(stuck.get(0).getInputStream().read()).isEqualTo(-1);
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
  }

  @Test
  void debugPagesAnswerLoopbackOnlyUnlessExposed() throws Exception {
    // finding 20: every resource and proxy was readable by anyone who reached 15014
    HttpServer.Request remote = new HttpServer.Request("GET", "/debug/syncz", Map.of(), new byte[0],
        new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 4000));
    HttpServer.Request local = new HttpServer.Request("GET", "/debug/syncz", Map.of(), new byte[0],
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 4000));
    assertThat(MonitoringServer.debug(remote, false, Map::of).status()).isEqualTo(403);
    assertThat(MonitoringServer.debug(local, false, Map::of).status()).isEqualTo(200);
    assertThat(MonitoringServer.debug(remote, true, Map::of).status()).isEqualTo(200);
  }
}
