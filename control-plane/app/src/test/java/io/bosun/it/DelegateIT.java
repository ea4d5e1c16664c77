package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.RawHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delegate VirtualServices through a real Envoy: a team owns its routes under the root's prefix. */
class DelegateIT {
  @TempDir
  static Path config;
  static EchoServer v1;
  static EchoServer v2;
  static GatewayHarness harness;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    v1 = new EchoServer("reviews", "v1", 0);
    v2 = new EchoServer("reviews", "v2", 0);
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("reviews-v1", v1.port())
        + GatewayHarness.serviceEntry("reviews-v2", v2.port()) + GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: root, namespace: default}
        spec:
          hosts: [shop.example.com]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /reviews}}]
            delegate: {name: reviews, namespace: team}
          - directResponse: {status: 200, body: {string: root fallback}}
        """);
    writeDelegate("/reviews/v2");
  }

  private static void writeDelegate(String v2Prefix) throws IOException {
    Files.writeString(config.resolve("delegate.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: team}
        spec:
          http:
          - match: [{uri: {prefix: %s}}]
            route: [{destination: {host: reviews-v2.default.svc.cluster.local}}]
          - match: [{uri: {prefix: /ratings}}]
            directResponse: {status: 418, body: {string: outside the root prefix}}
          - route: [{destination: {host: reviews-v1.default.svc.cluster.local}}]
        """.formatted(v2Prefix));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, v1, v2}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @Test
  void theDelegateRoutesWithinTheRootsPrefixAndFollowsItsOwnEdits() throws Exception {
    await("the delegate's routes").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> RawHttp.get(port,
        "shop.example.com", "/reviews/v2/1").contains("reviews v2"));
    assertThat(RawHttp.get(port, "shop.example.com", "/reviews/1")).contains("reviews v1");
    assertThat(RawHttp.get(port, "shop.example.com", "/ratings")).as("outside the root's prefix: the root's next rule")
        .contains("root fallback");
    assertThat(RawHttp.get(port, "shop.example.com", "/other")).contains("root fallback");

    writeDelegate("/reviews/beta");
    await("the edited delegate").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> RawHttp.get(port,
        "shop.example.com", "/reviews/beta/1").contains("reviews v2"));
    assertThat(RawHttp.get(port, "shop.example.com", "/reviews/v2/1")).contains("reviews v1");
  }
}
