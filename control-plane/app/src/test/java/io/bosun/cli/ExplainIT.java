package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.certs.Certificates;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Ports;
import io.bosun.testing.BosunctlRun;
import io.bosun.testing.GatewayHarness;
import io.bosun.testing.TlsPeers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bosunctl explain against a real Envoy gateway: for every request, what explain says (route,
 * cluster, endpoints, or Envoy's own answer) is checked against what the same Envoy did with the
 * same request, seen by which backend answered.
 */
class ExplainIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROXY = "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local";
  private static final List<String> BACKENDS = List.of("exact", "regex", "nocase", "hexact", "hprefix", "hregex",
      "without", "query", "queryre", "method", "authority", "port", "rewrite", "wone", "wtwo", "either", "shop",
      "fallback", "fault", "secure");

  @TempDir
  static Path config;
  static final Map<String, EchoServer> SERVERS = new LinkedHashMap<>();
  static GatewayHarness harness;
  static int http;
  static int other;
  static int https;
  static Certificates ca;

  @BeforeAll
  static void start() throws IOException {
    int[] ports = Ports.freePorts(3);
    http = ports[0];
    other = ports[1];
    https = ports[2];
    ca = Certificates.newAuthority("explain-it", Duration.ofDays(1));
    Certificates.Issued cert = ca.issue(List.of("secure.example.com"), Duration.ofDays(1));
    StringBuilder yaml = new StringBuilder();
    for (String name : BACKENDS) {
      EchoServer s = new EchoServer(name, "v1", 0);
      SERVERS.put(name, s);
      yaml.append(GatewayHarness.serviceEntry(name, s.port()));
    }
    yaml.append("""
        apiVersion: v1
        kind: Secret
        metadata: {name: secure-cert, namespace: istio-system}
        type: kubernetes.io/tls
        data: {tls.crt: %3$s, tls.key: %4$s}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - {port: {number: %1$d, name: http, protocol: HTTP}, hosts: ["*"]}
          - {port: {number: %2$d, name: http-other, protocol: HTTP}, hosts: ["*"]}
          - port: {number: %5$d, name: https, protocol: HTTPS}
            hosts: [secure.example.com]
            tls: {mode: SIMPLE, credentialName: secure-cert}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: secure}
        spec:
          hosts: [secure.example.com]
          gateways: [gw]
          http:
          - name: secure
            route: [{destination: {host: secure.default.svc.cluster.local}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: shop}
        spec:
          hosts: [shop.example.com]
          gateways: [gw]
          http:
          - name: cart
            match: [{uri: {prefix: /cart}}]
            route: [{destination: {host: shop.default.svc.cluster.local}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: routes}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - name: exact
            match: [{uri: {exact: /exact}}]
            route: [{destination: {host: exact.default.svc.cluster.local}}]
          - name: regex
            match: [{uri: {regex: "/items/[0-9]+"}}]
            route: [{destination: {host: regex.default.svc.cluster.local}}]
          - name: nocase
            match: [{uri: {exact: /CaseLess}, ignoreUriCase: true}]
            route: [{destination: {host: nocase.default.svc.cluster.local}}]
          - name: header-exact
            match: [{uri: {prefix: /h}, headers: {x-user: {exact: jason}}}]
            route: [{destination: {host: hexact.default.svc.cluster.local}}]
          - name: header-prefix
            match: [{uri: {prefix: /h}, headers: {x-team: {prefix: blue}}}]
            route: [{destination: {host: hprefix.default.svc.cluster.local}}]
          - name: header-regex
            match: [{uri: {prefix: /h}, headers: {x-build: {regex: "v[0-9]+"}}}]
            route: [{destination: {host: hregex.default.svc.cluster.local}}]
          - name: without-header
            match: [{uri: {prefix: /h}, withoutHeaders: {x-skip: {exact: "yes"}}}]
            route: [{destination: {host: without.default.svc.cluster.local}}]
          - name: without-any
            match: [{uri: {prefix: /w}, withoutHeaders: {x-none: {}}}]
            route: [{destination: {host: without.default.svc.cluster.local}}]
          - name: query
            match: [{queryParams: {version: {exact: "2"}}}]
            route: [{destination: {host: query.default.svc.cluster.local}}]
          - name: query-regex
            match: [{queryParams: {id: {regex: "[a-f]+"}}}]
            route: [{destination: {host: queryre.default.svc.cluster.local}}]
          - name: method
            match: [{method: {exact: POST}, uri: {prefix: /api}}]
            route: [{destination: {host: method.default.svc.cluster.local}}]
          - name: authority
            match: [{authority: {prefix: api.}}]
            route: [{destination: {host: authority.default.svc.cluster.local}}]
          - name: port
            match: [{port: %2$d}]
            route: [{destination: {host: port.default.svc.cluster.local}}]
          - name: redirect
            match: [{uri: {prefix: /old}}]
            redirect: {uri: /new, redirectCode: 302}
          - name: redirect-host
            match: [{uri: {prefix: /moved}}]
            redirect: {authority: new.example.com, uri: /landing}
          - name: redirect-port
            match: [{uri: {prefix: /secure-me}}]
            redirect: {scheme: https, port: 8443}
          - name: redirect-scheme
            match: [{uri: {prefix: /to-https}}]
            redirect: {scheme: https}
          - name: query-space
            match: [{queryParams: {q: {exact: "a b"}}}]
            route: [{destination: {host: query.default.svc.cluster.local}}]
          - name: direct
            match: [{uri: {exact: /teapot}}]
            directResponse: {status: 418, body: {string: short and stout}}
          - name: fault
            match: [{uri: {exact: /broken}}]
            fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
            route: [{destination: {host: fault.default.svc.cluster.local}}]
          - name: rewrite
            match: [{uri: {prefix: /legacy}}]
            rewrite: {uri: /modern}
            route: [{destination: {host: rewrite.default.svc.cluster.local}}]
          - name: split
            match: [{uri: {prefix: /split}}]
            route:
            - {destination: {host: wone.default.svc.cluster.local}, weight: 50}
            - {destination: {host: wtwo.default.svc.cluster.local}, weight: 50}
          - name: either
            match: [{uri: {prefix: /one}}, {uri: {prefix: /two}}]
            route: [{destination: {host: either.default.svc.cluster.local}}]
          - name: fallback
            route: [{destination: {host: fallback.default.svc.cluster.local}}]
        """.formatted(http, other, b64(cert.certificatePem()), b64(cert.privateKeyPem()), https));
    harness = GatewayHarness.start(config, yaml.toString());
    assertThat(harness.bosun.store().problems()).isEmpty();
    await("the gateway routes").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> send(http, "GET", "/exact", "x", Map.of()).body().startsWith("exact "));
    await("the other port routes").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> send(other, "GET", "/x", "x", Map.of()).body().startsWith("port "));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
    SERVERS.values().forEach(EchoServer::close);
  }

  /** One request, and the route (and backend, or Envoy's own status) the test means it to exercise. */
  record Case(String method, int port, String host, String path, Map<String, String> headers, String route,
              String expect) {
    static Case get(String path, String route, String expect) {
      return new Case("GET", http, "gw.example.com", path, Map.of(), route, expect);
    }

    Case header(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Case(method, port, host, path, h, route, expect);
    }

    Case host(String newHost) {
      return new Case(method, port, newHost, path, headers, route, expect);
    }

    Case method(String m) {
      return new Case(m, port, host, path, headers, route, expect);
    }

    Case port(int p) {
      return new Case(method, p, host, path, headers, route, expect);
    }
  }

  static List<Case> cases() {
    return List.of(
        Case.get("/exact", "exact", "exact"),
        Case.get("/exact/more", "fallback", "fallback"),
        Case.get("/./exact", "exact", "exact"),
        Case.get("/items/42", "regex", "regex"),
        Case.get("/items/abc", "fallback", "fallback"),
        Case.get("/caseless", "nocase", "nocase"),
        Case.get("/h", "header-exact", "hexact").header("x-user", "jason"),
        Case.get("/h", "without-header", "without").header("x-user", "bob"),
        Case.get("/h", "header-prefix", "hprefix").header("x-team", "blue-ish"),
        Case.get("/h", "header-regex", "hregex").header("x-build", "v12"),
        Case.get("/h", "without-header", "without").header("x-build", "v1x"),
        Case.get("/h", "fallback", "fallback").header("x-skip", "yes"),
        Case.get("/w", "without-any", "without"),
        Case.get("/w", "fallback", "fallback").header("x-none", "1"),
        Case.get("/anything?version=2", "query", "query"),
        Case.get("/anything?version=3", "fallback", "fallback"),
        Case.get("/anything?id=beef", "query-regex", "queryre"),
        Case.get("/anything?id=BEEF", "fallback", "fallback"),
        Case.get("/api/orders", "method", "method").method("POST"),
        Case.get("/api/orders", "fallback", "fallback"),
        Case.get("/x", "authority", "authority").host("api.example.com"),
        Case.get("/x", "port", "port").port(other),
        Case.get("/old/page?q=1", "redirect", "302"),
        Case.get("/moved/x?k=v", "redirect-host", "301"),
        Case.get("/secure-me", "redirect-port", "301"),
        Case.get("/to-https/y", "redirect-scheme", "301"),
        Case.get("/anything?q=a%20b", "fallback", "fallback"),
        Case.get("/teapot", "direct", "418"),
        Case.get("/broken", "fault", "503"),
        Case.get("/legacy/a", "rewrite", "rewrite"),
        Case.get("/split/x", "split", "wone|wtwo"),
        Case.get("/two/x", "either", "either"),
        Case.get("/cart/1", "cart", "shop").host("shop.example.com"),
        Case.get("/other", null, "404").host("shop.example.com"));
  }

  @Test
  void explainAgreesWithWhatEnvoyDidForEveryRequest() throws Exception {
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
    Set<String> kinds = new TreeSet<>();
    for (Case c : cases) {
      String url = "http://" + c.host() + ":" + c.port() + c.path();
      List<String> args = new ArrayList<>(List.of("explain", "--proxy", PROXY, url, "-X", c.method(),
          "--address", "127.0.0.1", "--bosun-address", "127.0.0.1:" + harness.bosun.monitoringPort(), "-o", "json"));
      c.headers().forEach((k, v) -> args.addAll(List.of("-H", k + ": " + v)));
      JsonNode e = JSON.readTree(bosunctl(args.toArray(String[]::new)));
      Response actual = send(c.port(), c.method(), c.path(), c.host(), c.headers());
      String what = c.method() + " " + url + " " + c.headers() + "\nexplain: " + e.toPrettyString()
          + "\nEnvoy: " + actual;

      JsonNode matched = matched(e);
      assertThat(matched == null ? null : matched.path("name").asText()).as("route, %s", what).isEqualTo(c.route());
      JsonNode action = e.path("action");
      kinds.add(action.path("kind").asText());
      int status = action.path("status").asInt();
      if (status > 0) {
        assertThat(actual.status()).as("Envoy answers itself as explained, %s", what).isEqualTo(status);
        assertThat(Integer.toString(status)).as(what).isEqualTo(c.expect());
        if (action.path("kind").asText().equals("redirect")) {
          assertThat(action.path("summary").asText()).as(what).endsWith(actual.header("location"));
        }
        continue;
      }
      assertThat(actual.status()).as("forwarded, %s", what).isEqualTo(200);
      String backend = actual.body().split(" ")[0];
      assertThat(backend).as(what).matches(c.expect());
      List<String> explained = new ArrayList<>();
      for (JsonNode cluster : e.path("clusters")) {
        if (cluster.path("weight").asInt() > 0) {
          explained.add(cluster.path("name").asText());
          // the endpoints explain lists are the backend's own
          assertThat(cluster.path("endpoints").findValuesAsText("address")).as(what)
              .containsExactly("127.0.0.1:" + SERVERS.get(backendOf(cluster.path("name").asText())).port());
        }
      }
      assertThat(explained).as("the backend that answered is one explain named, %s", what)
          .contains("outbound|80||" + backend + ".default.svc.cluster.local");
    }
    assertThat(kinds).as("action kinds covered").contains("cluster", "weighted_clusters", "redirect",
        "direct_response", "none");
  }

  @Test
  void aGatewaysTlsServerIsChosenByServerName() throws Exception {
    JsonNode e = JSON.readTree(bosunctl("explain", "--proxy", PROXY, "https://secure.example.com:" + https + "/x",
        "--address", "127.0.0.1", "--bosun-address", "127.0.0.1:" + harness.bosun.monitoringPort(), "-o", "json"));
    assertThat(e.at("/filterChain/why").asText()).contains("server name secure.example.com matched");
    assertThat(e.at("/routeConfig").asText()).startsWith("https." + https);
    // both VirtualServices bind this server ("*" narrows to its host); whichever route explain names,
    // its backend is the one that answers
    String cluster = e.at("/clusters/0/name").asText();
    assertThat(matched(e).path("name").asText()).isIn("secure", "fallback");
    TlsPeers.Exchange answer = TlsPeers.get(TlsPeers.context(ca, null), https, "secure.example.com",
        "secure.example.com:" + https, "/x");
    assertThat(answer.statusLine()).as("Envoy's answer").contains("200");
    assertThat(answer.body()).as("the backend explain named answered").startsWith(backendOf(cluster) + " v1");
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void explainSaysWhyEarlierRoutesDidNotMatch() throws Exception {
    String text = bosunctl("explain", "--proxy", PROXY, "http://gw.example.com:" + http + "/h", "-H", "x-skip: yes",
        "--bosun-address", "127.0.0.1:" + harness.bosun.monitoringPort());
    assertThat(text)
        .contains("Listener:     0.0.0.0_" + http)
        .contains("Route config: http." + http)
        .contains("no: path /h is not /exact")
        .contains("no: path /h does not match the regex /items/[0-9]+")
        .contains("no: header x-user is missing (needs exactly \"jason\")")
        .contains("no: header x-skip is \"yes\", which does not satisfy not exactly \"yes\"")
        .contains("no: query parameter version is missing")
        .contains("no: header :method is \"GET\", which does not satisfy exactly \"POST\"")
        .contains("fallback")
        .contains("MATCHED")
        .contains("endpoint 127.0.0.1:" + SERVERS.get("fallback").port() + " UNKNOWN");
  }

  @Test
  void anUnknownProxyIsAClearError() {
    BosunctlRun run = BosunctlRun.of("explain", "nobody.default", "http://x/", "--bosun-address",
        "127.0.0.1:" + harness.bosun.monitoringPort());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("no proxy nobody.default is connected to Bosun");
  }

  private static String backendOf(String cluster) {
    String host = cluster.substring(cluster.lastIndexOf('|') + 1);
    return host.substring(0, host.indexOf('.'));
  }

  private static JsonNode matched(JsonNode e) {
    for (JsonNode r : e.path("routes")) {
      if (r.path("matched").asBoolean()) {
        return r;
      }
    }
    return null;
  }

  private static String bosunctl(String... args) {
    return BosunctlRun.ok(args);
  }

  /** What Envoy answered. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /** A raw HTTP/1.1 request, so the path and Host go out exactly as written. */
  static Response send(int port, String method, String path, String host, Map<String, String> headers)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n");
      headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String body = split < 0 ? "" : text.substring(split + 4);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> h = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        h.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
      return new Response(status, h, body);
    }
  }
}
