package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.RawHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One VirtualService that Envoy would refuse never takes its neighbours down: Bosun rejects it
 * alone (reported with the field), the route table it would have shared keeps serving every other
 * host, and Envoy never NACKs.
 */
class IsolationIT {
  @TempDir
  static Path config;
  static EchoServer web;
  static GatewayHarness harness;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    web = new EchoServer("web", "v1", 0);
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port()) + GatewayHarness.gateway(port)
        + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: good}
        spec:
          hosts: [good.example.com]
          gateways: [gw]
          http: [{route: [{destination: {host: web.default.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: would-be-nacked}
        spec:
          hosts: [bad.example.com]
          gateways: [gw]
          http: [{headers: {request: {set: {x-a: "%%NO_SUCH_VARIABLE%%"}}}, route: [{destination: {host: web.default.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: big-body}
        spec:
          hosts: [big.example.com]
          gateways: [gw]
          http: [{directResponse: {status: 200, body: {string: "%s"}}}]
        """.formatted("b".repeat(6000)));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    if (web != null) {
      web.close();
    }
  }

  @Test
  void theRejectedVirtualServiceIsReportedAndEveryOtherHostKeepsWorking() throws Exception {
    assertThat(RawHttp.get(port, "good.example.com", "/")).startsWith("HTTP/1.1 200").contains("web v1");
    assertThat(RawHttp.get(port, "bad.example.com", "/")).as("its host has no routes").startsWith("HTTP/1.1 404");
    String big = RawHttp.get(port, "big.example.com", "/");
    assertThat(big).as("a body over Envoy's 4 KiB default is served whole").startsWith("HTTP/1.1 200")
        .endsWith("b".repeat(6000));
    assertThat(harness.gateway.stat("http.outbound_0.0.0.0_" + port + ".rds.http." + port + ".update_rejected"))
        .isZero();
    assertThat(harness.gateway.stat("listener_manager.lds.update_rejected")).isZero();
    HttpResponse<String> configz = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
        "http://127.0.0.1:" + harness.bosun.monitoringPort() + "/debug/configz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(configz.body()).contains("VirtualService default/would-be-nacked: spec.http[0].headers.request.set.x-a:"
        + " invalid header value").contains("Envoy does not know the variable %NO_SUCH_VARIABLE%");
  }
}
