package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-route actions observed through a real Envoy: timeout, retries, redirect, direct response, rewrite, headers. */
class RouteActionsIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  @TempDir
  static Path config;
  static EchoServer web;
  static EchoServer shadow;
  static GatewayHarness harness;
  static EnvoyProcess gateway;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    web = new EchoServer("web", "v1", 0);
    shadow = new EchoServer("shadow", "v1", 0);
    port = Ports.freePort();
    harness = GatewayHarness.start(config, GatewayHarness.serviceEntry("web", web.port())
        + GatewayHarness.serviceEntry("shadow", shadow.port()) + GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: actions}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /slow}}]
            timeout: 300ms
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /no-retry}}]
            retries: {attempts: 0}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /retry-4}}]
            retries: {attempts: 4, retryOn: 5xx}
            route: [{destination: {host: web}}]
          - match: [{uri: {exact: /old}}]
            redirect: {uri: /new, redirectCode: 308}
          - match: [{uri: {prefix: /maintenance}}]
            directResponse: {status: 503, body: {string: "down for maintenance"}}
          - match: [{uri: {prefix: /v1/api/}}]
            rewrite: {uri: /api/, authority: api.internal}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /authority-header}}]
            headers: {request: {set: {":authority": route.internal}}}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /host-header}}]
            route: [{destination: {host: web}, headers: {request: {add: {Host: destination.internal}}}}]
          - match: [{uri: {prefix: /headers}}]
            headers:
              request: {set: {x-from: mesh}}
              response: {add: {x-served-by: bosun}, remove: [x-backend]}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /m}, method: {exact: POST}}]
            directResponse: {status: 201, body: {string: post}}
          - match: [{uri: {prefix: /q}, queryParams: {v: {exact: "2"}}}]
            directResponse: {status: 202, body: {string: v2}}
          - match: [{uri: {prefix: /w}, withoutHeaders: {x-skip: {exact: "1"}}}]
            directResponse: {status: 203, body: {string: kept}}
          - match: [{uri: {exact: /CaSe}, ignoreUriCase: true}]
            directResponse: {status: 206, body: {string: case}}
          - match: [{uri: {prefix: /gw}, gateways: [other-gateway]}, {uri: {prefix: /port}, port: 1}]
            directResponse: {status: 418, body: {string: never here}}
          - match: [{uri: {prefix: /auth}, authority: {prefix: api.}}]
            directResponse: {status: 207, body: {string: authority}}
          - match: [{uri: {prefix: /delayed}}]
            fault: {delay: {fixedDelay: 600ms, percentage: {value: 100}}}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /aborted}}]
            fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /mirrored}}]
            mirror: {host: shadow}
            mirrorPercentage: {value: 100}
            route: [{destination: {host: web}}]
          - match: [{uri: {prefix: /cors}}]
            corsPolicy:
              allowOrigins: [{exact: "https://example.com"}]
              allowMethods: [GET, POST]
              allowHeaders: [x-custom]
              maxAge: 24h
            route: [{destination: {host: web}}]
          - route: [{destination: {host: web}}]
        """);
    gateway = harness.gateway;
    assertThat(harness.bosun.store().problems()).isEmpty();
    await("routes served").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> get("/").statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {harness, web, shadow}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing
      }
    }
  }

  static HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)));
  }

  static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void timeoutAnswers504AtTheConfiguredTime() {
    long t0 = System.nanoTime();
    HttpResponse<String> r = get("/slow?delay=3s");
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("timeout 300ms: %d after %d ms%n", r.statusCode(), millis);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(millis).isBetween(250L, 2000L);
  }

  @Test
  void retriesAreSeenByTheBackend() {
    assertThat(attempts("/default?status=503")).as("Istio's default: 2 retries on 503").isEqualTo(3);
    assertThat(attempts("/no-retry?status=503")).as("attempts: 0 disables retries").isEqualTo(1);
    assertThat(attempts("/retry-4?status=500")).as("attempts: 4, retryOn: 5xx").isEqualTo(5);
  }

  private static long attempts(String path) {
    long before = web.requests();
    get(path);
    return web.requests() - before;
  }

  @Test
  void redirectAndDirectResponse() {
    HttpResponse<String> redirect = get("/old");
    assertThat(redirect.statusCode()).isEqualTo(308);
    assertThat(redirect.headers().firstValue("location").orElse("")).endsWith("/new");
    HttpResponse<String> direct = get("/maintenance/x");
    assertThat(direct.statusCode()).isEqualTo(503);
    assertThat(direct.body()).isEqualTo("down for maintenance");
  }

  @Test
  void rewriteChangesPathAndAuthority() {
    String body = get("/v1/api/items?path=1&headers=1").body();
    assertThat(body).contains("path: /api/items", "host: api.internal");
  }

  /** Istio turns {@code :authority} or {@code host} in request headers into a host rewrite, and so does Bosun. */
  @Test
  void anAuthorityHeaderRewritesTheHost() {
    assertThat(get("/authority-header?headers=1").body()).contains("host: route.internal");
    assertThat(get("/host-header?headers=1").body()).contains("host: destination.internal");
  }

  @Test
  void headersAreSetAddedAndRemoved() {
    HttpResponse<String> r = get("/headers?headers=1");
    assertThat(r.body()).contains("x-from: mesh");
    assertThat(r.headers().firstValue("x-served-by")).hasValue("bosun");
    assertThat(r.headers().firstValue("x-backend")).isEmpty();
    assertThat(get("/plain").headers().firstValue("x-backend")).as("other routes keep it").hasValue("web-v1");
  }

  @Test
  void everyMatchFieldDecidesWhichRouteARequestHits() {
    URI base = URI.create("http://127.0.0.1:" + port);
    assertThat(send(HttpRequest.newBuilder(base.resolve("/m")).POST(HttpRequest.BodyPublishers.noBody()))
        .statusCode()).as("method POST").isEqualTo(201);
    assertThat(get("/m").statusCode()).as("method GET falls through").isEqualTo(200);
    assertThat(get("/q?v=2").statusCode()).as("query parameter").isEqualTo(202);
    assertThat(get("/q?v=3").statusCode()).isEqualTo(200);
    assertThat(get("/w").statusCode()).as("withoutHeaders: header absent").isEqualTo(203);
    assertThat(send(HttpRequest.newBuilder(base.resolve("/w")).header("x-skip", "1")).statusCode())
        .as("withoutHeaders: header present").isEqualTo(200);
    assertThat(get("/case").statusCode()).as("ignoreUriCase").isEqualTo(206);
    assertThat(get("/gw").statusCode()).as("a match for another gateway never reaches this one").isEqualTo(200);
    assertThat(get("/port").statusCode()).as("a match for another port never reaches this listener").isEqualTo(200);
    assertThat(gateway.configDump()).doesNotContain("never here");
    assertThat(statusWithHost("/auth", "api.example.com")).as("authority prefix").isEqualTo(207);
    assertThat(get("/auth").statusCode()).isEqualTo(200);
  }

  /** The JDK client will not set Host, so this one request is written by hand. */
  private static int statusWithHost(String path, String host) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void faultInjectionDelaysAndAborts() {
    long t0 = System.nanoTime();
    assertThat(get("/delayed").statusCode()).isEqualTo(200);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("fault delay 600ms: answered after %d ms%n", millis);
    assertThat(millis).isGreaterThanOrEqualTo(550);
    long before = web.requests();
    assertThat(get("/aborted").statusCode()).isEqualTo(418);
    assertThat(web.requests()).as("an aborted request never reaches the backend").isEqualTo(before);
  }

  @Test
  void mirrorSendsACopy() {
    long before = shadow.requests();
    assertThat(get("/mirrored").body()).isEqualTo("web v1\n");
    await("the shadow got the copy").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() ->
        shadow.requests() == before + 1);
  }

  @Test
  void corsPreflightIsAnsweredByEnvoy() {
    URI uri = URI.create("http://127.0.0.1:" + port + "/cors");
    HttpResponse<String> allowed = send(HttpRequest.newBuilder(uri).method("OPTIONS",
        HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://example.com").header("Access-Control-Request-Method", "POST"));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("access-control-allow-origin")).hasValue("https://example.com");
    assertThat(allowed.headers().firstValue("access-control-allow-methods")).hasValue("GET,POST");
    assertThat(allowed.headers().firstValue("access-control-max-age")).hasValue("86400");
    HttpResponse<String> other = send(HttpRequest.newBuilder(uri).GET().header("Origin", "https://evil.example"));
    assertThat(other.headers().firstValue("access-control-allow-origin")).as("origin not allowed").isEmpty();
  }
}
