package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Gateway server's {@code bind}: its listener takes that address only, and is named after it. */
class GatewayBindIT {
  @Test
  void aServerListensOnTheAddressItBinds(@TempDir Path config) throws Exception {
    int port = Ports.freePort();
    try (EchoServer web = new EchoServer("web", "v1", 0);
         GatewayHarness harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port()) + """
             apiVersion: networking.istio.io/v1
             kind: Gateway
             metadata: {name: gw}
             spec:
               selector: {istio: ingressgateway}
               servers: [{port: {number: %1$d, name: http, protocol: HTTP}, hosts: ["*"], bind: 127.0.0.2}]
             ---
             apiVersion: networking.istio.io/v1
             kind: VirtualService
             metadata: {name: web}
             spec:
               hosts: ["*"]
               gateways: [gw]
               http: [{route: [{destination: {host: web.default.svc.cluster.local}}]}]
             """.formatted(port))) {
      await("the bound listener").atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> get("127.0.0.2", port).startsWith("HTTP/1.1 200"));
      assertThat(get("127.0.0.2", port)).contains("web v1");
      assertThat(harness.gateway.adminGet("/listeners")).contains("127.0.0.2_" + port + "::127.0.0.2:" + port);
      assertThatThrownBy(() -> get("127.0.0.1", port)).as("not on the other loopback addresses")
          .hasCauseInstanceOf(ConnectException.class);
    }
  }

  private static String get(String address, int port) {
    try (Socket s = new Socket(address, port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
