package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.Jwt;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AuthorizationPolicy and RequestAuthentication on an ingress gateway, through a real Envoy: what
 * the mesh tests cannot reach on their own: keys fetched by Envoy from a {@code jwksUri} (a mesh
 * service, and a host outside the registry), and CUSTOM asking an external authorizer named by
 * the mesh config, for the requests its rules match only.
 */
class SecurityPoliciesIT {
  private static final String ISSUER = "https://issuer.example";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @TempDir
  static Path config;
  static EchoServer web;
  static HttpServer keys;
  static HttpServer authorizer;
  static final List<String> asked = new CopyOnWriteArrayList<>();
  static final Jwt ALICE_ISSUER = new Jwt("k1");
  static GatewayHarness harness;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    web = new EchoServer("web", "v1", 0);
    keys = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    keys.createContext("/jwks", ex -> {
      byte[] body = ALICE_ISSUER.jwks().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("content-type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    keys.start();
    // the external authorizer: allows a request that carries x-allow: yes, and says which path it was asked about
    authorizer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    authorizer.createContext("/", ex -> {
      asked.add(ex.getRequestURI().getPath());
      boolean allow = "yes".equals(ex.getRequestHeaders().getFirst("x-allow"));
      ex.getResponseHeaders().set("x-authz-said", allow ? "allow" : "deny");
      ex.sendResponseHeaders(allow ? 200 : 403, -1);
      ex.close();
    });
    authorizer.start();
    port = Ports.freePort();
    harness = GatewayHarness.start(config, base() + "---\n" + policies(""));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    keys.stop(0);
    authorizer.stop(0);
    web.close();
  }

  private static String base() {
    return GatewayHarness.serviceEntry("web", web.port()) + GatewayHarness.gateway(port) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http: [{route: [{destination: {host: web.default.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: authz}
        spec:
          hosts: [authz.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 8000, protocol: HTTP}]
          endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: keys}
        spec:
          hosts: [keys.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 80, protocol: HTTP}]
          endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
            extensionProviders:
            - name: my-authz
              envoyExtAuthzHttp:
                service: default/authz.default.svc.cluster.local
                port: 8000
                includeRequestHeadersInCheck: [x-allow]
                headersToDownstreamOnDeny: [x-authz-said]
        """.formatted(authorizer.getAddress().getPort(), keys.getAddress().getPort());
  }

  /** The policies under test, on the gateway's workload; {@code extra} appended. */
  private static String policies(String extra) {
    return """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-secret, namespace: istio-system}
        spec:
          selector: {matchLabels: {istio: ingressgateway}}
          action: DENY
          rules: [{to: [{operation: {paths: [/secret]}}]}]
        ---
        """ + extra;
  }

  private static void reconfigure(String yaml) throws IOException {
    Path tmp = config.resolve("config.yaml.tmp");
    Files.writeString(tmp, base() + "---\n" + yaml);
    Files.move(tmp, config.resolve("config.yaml"), StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void denyOnAPathAndAnAllowWithAHeaderCondition() throws Exception {
    reconfigure(policies(""));
    await("the DENY alone").atMost(Duration.ofSeconds(20)).until(() -> status("/secret", Map.of()) == 403
        && status("/", Map.of()) == 200);
    assertThat(status("/secretx", Map.of())).isEqualTo(200);
    // the path as the app would see it: no way around the rule through dot segments or escapes
    assertThat(status("/./secret", Map.of())).isEqualTo(403);
    assertThat(status("/public/../secret", Map.of())).isEqualTo(403);
    assertThat(status("/%73ecret", Map.of())).isEqualTo(403);
    reconfigure(policies("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: token, namespace: istio-system}
        spec:
          rules: [{when: [{key: "request.headers[x-token]", values: [open-sesame]}]}]
        """));
    await("the ALLOW").atMost(Duration.ofSeconds(20)).until(() -> status("/", Map.of()) == 403);
    assertThat(status("/", Map.of("x-token", "open-sesame"))).isEqualTo(200);
    assertThat(status("/", Map.of("x-token", "other"))).isEqualTo(403);
    assertThat(status("/secret", Map.of("x-token", "open-sesame"))).as("DENY before ALLOW").isEqualTo(403);
  }

  @Test
  void keysFetchedFromAJwksUriValidateTokensAndRequestPrincipalsAuthorize() throws Exception {
    Jwt forger = new Jwt("k1");
    for (String uri : List.of("http://keys.default.svc.cluster.local/jwks",
        "http://127.0.0.1:" + keys.getAddress().getPort() + "/jwks")) {
      reconfigure(policies("""
          apiVersion: security.istio.io/v1
          kind: RequestAuthentication
          metadata: {name: jwt, namespace: istio-system}
          spec:
            jwtRules: [{issuer: %s, jwksUri: "%s"}]
          """.formatted(ISSUER, uri)));
      String alice = ALICE_ISSUER.token(ISSUER, "alice");
      await("tokens checked with keys from " + uri).atMost(Duration.ofSeconds(20))
          .until(() -> status("/", Map.of("authorization", "Bearer " + forger.token(ISSUER, "alice"))) == 401
              && status("/", Map.of("authorization", "Bearer " + alice)) == 200);
      assertThat(status("/", Map.of("authorization", "Bearer " + alice))).isEqualTo(200);
      assertThat(status("/", Map.of())).as("no token: RequestAuthentication alone lets it pass").isEqualTo(200);
    }
    reconfigure(policies("""
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: jwt, namespace: istio-system}
        spec:
          jwtRules: [{issuer: %s, jwksUri: "http://keys.default.svc.cluster.local/jwks"}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: alice-only, namespace: istio-system}
        spec:
          selector: {matchLabels: {istio: ingressgateway}}
          rules: [{from: [{source: {requestPrincipals: ["%s/alice"]}}]}]
        """.formatted(ISSUER, ISSUER)));
    await("requestPrincipals").atMost(Duration.ofSeconds(20)).until(() -> status("/", Map.of()) == 403);
    assertThat(status("/", Map.of("authorization", "Bearer " + ALICE_ISSUER.token(ISSUER, "alice"))))
        .isEqualTo(200);
    assertThat(status("/", Map.of("authorization", "Bearer " + ALICE_ISSUER.token(ISSUER, "bob"))))
        .isEqualTo(403);
    System.out.println("[jwt] jwksUri through a mesh service and a host outside the registry: valid 200, forged 401,"
        + " none 200; requestPrincipals alice 200, bob 403, none 403");
  }

  @Test
  void customAsksTheExternalAuthorizerOnlyForTheRequestsItsRulesMatch() throws Exception {
    reconfigure(policies("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ext, namespace: istio-system}
        spec:
          action: CUSTOM
          provider: {name: my-authz}
          rules: [{to: [{operation: {paths: ["/ext/*"]}}]}]
        """));
    await("the external authorizer").atMost(Duration.ofSeconds(20)).until(() -> status("/ext/a", Map.of()) == 403
        && status("/other", Map.of()) == 200);
    asked.clear();
    assertThat(status("/ext/a", Map.of("x-allow", "yes"))).isEqualTo(200);
    assertThat(status("/ext/b", Map.of())).isEqualTo(403);
    assertThat(status("/other", Map.of())).as("not matched: not asked, allowed").isEqualTo(200);
    assertThat(asked).containsExactly("/ext/a", "/ext/b");
    // a provider the mesh config does not define fails closed
    reconfigure(policies("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ext, namespace: istio-system}
        spec:
          action: CUSTOM
          provider: {name: nobody}
          rules: [{to: [{operation: {paths: ["/ext/*"]}}]}]
        """));
    await("an unknown provider").atMost(Duration.ofSeconds(20))
        .until(() -> status("/ext/a", Map.of("x-allow", "yes")) == 403);
    assertThat(status("/other", Map.of())).isEqualTo(200);
  }

  private static int status(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    headers.forEach(r::header);
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
