package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.certs.Certificates;
import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.testing.BosunctlRun;
import io.bosun.testing.PodMesh;
import io.bosun.testing.PodNetns;
import io.bosun.testing.PodNetns.Access;
import io.bosun.testing.TlsPeers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar as users run it: a pod (network namespace) whose traffic {@code bosun intercept}
 * redirects into a real Envoy running as uid 1337 and configured by Bosun. The app's outbound
 * calls are routed by the sidecar, callers reach the app through {@code virtualInbound}, and
 * outboundTrafficPolicy decides what happens to destinations the mesh does not know.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SidecarIT {
  static final String VIP = "10.96.77.10";

  @TempDir
  static Path config;
  static PodNetns pod;
  static EchoServer reviews;
  static EchoServer outside;
  static StandaloneBosun bosun;
  static Certificates ca;
  static TlsPeers.Server tlsA;
  static TlsPeers.Server tlsB;

  @BeforeAll
  static void start() throws Exception {
    pod = PodNetns.create(77);
    pod.hosts(Map.of("outside-dns.example.com", pod.hostIp(), "outside-rr.example.com", pod.hostIp(),
        "a.tls.example.com", "10.96.77.20"));
    ca = Certificates.newAuthority("sidecar-it", Duration.ofDays(1));
    tlsA = TlsPeers.httpsServer(ca, ca.issue(List.of("a.tls.example.com"), Duration.ofDays(1)), "tls a", false,
        pod.hostIp());
    tlsB = TlsPeers.httpsServer(ca, ca.issue(List.of("b.tls.example.com"), Duration.ofDays(1)), "tls b", false,
        pod.hostIp());
    reviews = new EchoServer("reviews", "v1", pod.hostIp(), 0);
    outside = new EchoServer("outside", "v1", pod.hostIp(), 0);
    Files.writeString(config.resolve("mesh.yaml"), mesh("ALLOW_ANY"));
    Files.writeString(config.resolve("services.yaml"),
        PodMesh.reviewsAndApp(VIP, pod.hostIp(), reviews.port(), pod.ip()) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          http:
          - headers: {response: {add: {x-routed-by: bosun-sidecar}}}
            route: [{destination: {host: reviews.default.svc.cluster.local}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: outside-dns}
        spec:
          hosts: [outside-dns.example.com]
          location: MESH_EXTERNAL
          resolution: DNS
          ports: [{name: http, number: 80, protocol: HTTP, targetPort: %5$d}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: outside-rr}
        spec:
          hosts: [outside-rr.example.com]
          location: MESH_EXTERNAL
          resolution: DNS_ROUND_ROBIN
          ports: [{name: http, number: 80, protocol: HTTP, targetPort: %5$d}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: outside-none}
        spec:
          hosts: [outside-none.example.com]
          location: MESH_EXTERNAL
          resolution: NONE
          ports: [{name: http, number: %5$d, protocol: HTTP}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tls-a}
        spec:
          hosts: [a.tls.example.com]
          addresses: [10.96.77.20]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{name: tls, number: 443, protocol: TLS}]
          endpoints: [{address: %2$s, ports: {tls: %6$d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: tls-b}
        spec:
          hosts: [b.tls.example.com]
          location: MESH_EXTERNAL
          resolution: STATIC
          ports: [{name: tls, number: 443, protocol: TLS}]
          endpoints: [{address: %2$s, ports: {tls: %7$d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tls-a}
        spec:
          hosts: [a.tls.example.com]
          tls:
          - match: [{sniHosts: [a.tls.example.com]}]
            route: [{destination: {host: b.tls.example.com, port: {number: 443}}}]
        """.formatted(VIP, pod.hostIp(), reviews.port(), pod.ip(), outside.port(), tlsA.port(), tlsB.port()));
    bosun = StandaloneBosun.start(config, pod.hostIp(), 0, "127.0.0.1", 0);

    // what the injected pod runs: the interception rules, the app, and Envoy as uid 1337
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    String rules = pod.exec(true, java, "-cp", cp, "io.bosun.cli.Main", "intercept");
    assertThat(rules).contains("interception installed");
    assertThat(pod.exec(true, "iptables-save", "-t", "nat")).contains("-j REDIRECT --to-ports 15001",
        "-j REDIRECT --to-ports 15006", "--uid-owner 1337");
    Process app = pod.start(null, pod.dir().resolve("app.log"),
        List.of(java, "-cp", cp, "io.bosun.demo.EchoServer", "app", "v1", "8080", "0.0.0.0"));
    Path envoy = pod.dir().resolve("envoy");
    try {
      Files.createLink(envoy, EnvoyBinary.require());
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(EnvoyBinary.require(), envoy, StandardCopyOption.REPLACE_EXISTING);
    }
    Path bootstrap = pod.dir().resolve("envoy.yaml");
    Files.writeString(bootstrap, Bootstrap.forProxy("sidecar~" + pod.ip() + "~app-1.default~default.svc.cluster.local")
        .namespace("default").labels(Map.of("app", "app")).xds(pod.hostIp(), bosun.xdsPort()).adminPort(15000)
        .toYaml());
    bootstrap.toFile().setReadable(true, false);
    Process envoyProcess = pod.start(1337, pod.dir().resolve("envoy.log"), List.of(envoy.toString(), "-c",
        bootstrap.toString(),
        "--disable-hot-restart", "--log-level", "info", "--drain-time-s", "1"));
    await("the sidecar to be ready").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .failFast("Envoy exited", () -> assertThat(envoyProcess.isAlive()).as("Envoy running; its log:%n%s", envoyLog())
            .isTrue())
        .until(() -> pod.exec(false, "curl", "-s", "127.0.0.1:15000/ready").contains("LIVE"));
    await("the app to listen").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .failFast("the app exited", () -> assertThat(app.isAlive())
            .as("the app running; its log:%n%s", read(pod.dir().resolve("app.log"))).isTrue())
        .until(() -> pod.exec(false, "curl", "-s", "127.0.0.1:8080/").contains("app v1"));
  }

  static String mesh(String mode) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
            outboundTrafficPolicy: {mode: %s}
        """.formatted(mode);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {pod, bosun, reviews, outside, tlsA, tlsB}) {
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
  @Order(1)
  void theAppsOutboundCallsAreRoutedByItsSidecar() {
    String response = curlInPod("-i", "http://" + VIP + ":9080/x?headers=1");
    assertThat(response).contains("HTTP/1.1 200", "x-routed-by: bosun-sidecar", "reviews v1",
        "x-request-id: ", "server: envoy");
    assertThat(stat("cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total")).isPositive();
  }

  @Test
  @Order(2)
  void callersReachTheAppThroughVirtualInbound() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://" + pod.ip() + ":8080/in?headers=1")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("app v1").contains("x-request-id: ");
    assertThat(r.headers().firstValue("server")).hasValue("envoy");
    assertThat(stat("cluster.inbound|8080||.upstream_rq_total")).isPositive();
  }

  /**
   * bosunctl explain from the sidecar's side: the capture hand-off to the port's listener, a TCP
   * service's own address listener and its SNI chain, DNS clusters and passthrough, each checked
   * against where the same request from the app actually went.
   */
  @Test
  @Order(3)
  void explainAgreesWithWhereTheSidecarSentEachRequest() throws IOException {
    String proxy = "sidecar~" + pod.ip() + "~app-1.default~default.svc.cluster.local";
    JsonNode http = explain(proxy, "http://" + VIP + ":9080/x");
    assertThat(http.at("/listener/name").asText()).isEqualTo("0.0.0.0_9080");
    assertThat(http.at("/clusters/0/name").asText()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
    assertThat(http.at("/clusters/0/endpoints/0/address").asText()).isEqualTo(pod.hostIp() + ":" + reviews.port());
    assertThat(curlInPod("http://" + VIP + ":9080/x")).startsWith("reviews v1");

    JsonNode dns = explain(proxy, "http://outside-dns.example.com/");
    assertThat(dns.at("/routeConfig").asText()).isEqualTo("80");
    assertThat(dns.at("/clusters/0/name").asText()).isEqualTo("outbound|80||outside-dns.example.com");
    assertThat(dns.at("/clusters/0/type").asText()).isEqualTo("STRICT_DNS");
    assertThat(curlInPod("http://outside-dns.example.com/")).startsWith("outside v1");

    // the name is a TCP service with an address of its own: its listener, then its SNI chain
    JsonNode tls = explain(proxy, "https://a.tls.example.com/");
    assertThat(tls.at("/listener/name").asText()).isEqualTo("10.96.77.20_443");
    assertThat(tls.at("/filterChain/why").asText()).contains("server name a.tls.example.com matched");
    assertThat(tls.at("/clusters/0/name").asText()).isEqualTo("outbound|443||b.tls.example.com");
    assertThat(curlInPod("-k", "https://a.tls.example.com/")).contains("tls b");

    JsonNode unknown = explain(proxy, "http://" + pod.hostIp() + ":" + outside.port() + "/");
    // outside-none's port has an HTTP listener; the address is no service's, so the catch-all host passes it on
    assertThat(unknown.at("/listener/name").asText()).isEqualTo("0.0.0.0_" + outside.port());
    assertThat(unknown.at("/virtualHost/why").asText()).contains("catch-all");
    assertThat(unknown.at("/clusters/0/name").asText()).isEqualTo("PassthroughCluster");
    long before = outside.requests();
    assertThat(curlInPod("http://" + pod.hostIp() + ":" + outside.port() + "/")).startsWith("outside v1");
    assertThat(outside.requests()).isEqualTo(before + 1);

    // a port no service has: the capture listener's own default chain
    String direct = "https://" + pod.hostIp() + ":" + tlsA.port() + "/";
    JsonNode passthrough = explain(proxy, direct);
    assertThat(passthrough.at("/listener/name").asText()).isEqualTo("virtualOutbound");
    assertThat(passthrough.at("/filterChain/why").asText()).contains("default chain");
    assertThat(passthrough.at("/clusters/0/name").asText()).isEqualTo("PassthroughCluster");
    assertThat(curlInPod("-k", direct)).contains("tls a");
  }

  private static JsonNode explain(String proxy, String url) throws IOException {
    return new ObjectMapper().readTree(BosunctlRun.ok("explain", "--proxy", proxy, url,
        "--bosun-address", "127.0.0.1:" + bosun.monitoringPort(), "-o", "json"));
  }

  @Test
  @Order(3)
  void allowAnyPassesUnknownDestinationsThrough() {
    assertThat(curlInPod("http://" + pod.hostIp() + ":" + outside.port() + "/")).startsWith("outside v1");
    assertThat(stat("cluster.PassthroughCluster.upstream_cx_total")).isPositive();
  }

  @Test
  @Order(4)
  void registryOnlyBlocksUnknownDestinations() throws IOException {
    Files.writeString(config.resolve("mesh.yaml"), mesh("REGISTRY_ONLY"));
    await("REGISTRY_ONLY at the sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        pod.exec(false, "curl", "-s", "127.0.0.1:15000/config_dump")
        .contains("block_all"));
    String tcp = pod.exec(false, "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code} %{exitcode}",
        "http://" + pod.hostIp() + ":" + outside.port() + "/");
    assertThat(tcp).as("an unknown address and port: the connection is dropped").doesNotStartWith("200");
    long before = outside.requests();
    String http = pod.exec(false, "curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
        "-H", "Host: unknown.example.com", "http://" + VIP + ":9080/");
    assertThat(http).as("an unknown host on a mesh HTTP port").isEqualTo("502");
    assertThat(outside.requests()).isEqualTo(before);
    assertThat(curlInPod("http://" + VIP + ":9080/")).as("known services still work").startsWith("reviews v1");
  }

  /** ServiceEntry resolutions: DNS (STRICT_DNS), DNS_ROUND_ROBIN (LOGICAL_DNS), NONE (original destination). */
  @Test
  @Order(5)
  void serviceEntriesOpenTheRegistryOnlyMeshToTheirHostsByEachResolution() {
    assertThat(curlInPod("http://outside-dns.example.com/")).startsWith("outside v1");
    assertThat(stat("cluster.outbound|80||outside-dns.example.com.upstream_rq_total")).isPositive();
    assertThat(curlInPod("http://outside-rr.example.com/")).startsWith("outside v1");
    assertThat(stat("cluster.outbound|80||outside-rr.example.com.upstream_rq_total")).isPositive();
    assertThat(curlInPod("-H", "Host: outside-none.example.com", "http://" + pod.hostIp() + ":" + outside.port() + "/"))
        .startsWith("outside v1");
    String none = "cluster.outbound|" + outside.port() + "||outside-none.example.com.upstream_rq_total";
    assertThat(stat(none)).isPositive();
    String dump = pod.exec(true, "curl", "-s", "127.0.0.1:15000/config_dump");
    assertThat(dump).contains("\"type\": \"STRICT_DNS\"", "\"type\": \"LOGICAL_DNS\"", "\"type\": \"ORIGINAL_DST\"");
  }

  /** A tls route picks the destination by the SNI the app's TLS client sends (here: a's name to b's backend). */
  @Test
  @Order(5)
  void tlsRoutesFollowTheSniOfTheAppsTlsConnections() {
    String out = curlInPod("-k", "-v", "https://a.tls.example.com/");
    assertThat(out).as("the route sent a.tls.example.com to backend b").contains("tls b");
    assertThat(stat("cluster.outbound|443||b.tls.example.com.upstream_cx_total")).isPositive();
  }

  /** Traffic interception does not capture (uid 1337) must still never leave the machine. */
  @Test
  @Order(6)
  void nothingThePodSendsLeavesTheMachine() {
    String out = pod.exec(false, "setpriv", "--reuid=1337", "--regid=1337", "--clear-groups",
        "curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}", "http://198.51.100.7/");
    assertThat(out).as("an address outside the test network").isEqualTo("000");
    // the host drops whatever the pod's link would have it forward (whether or not forwarding is on)
    assertThat(Access.forwardDrops(pod)).as("the host's FORWARD drop rule for the pod's link").matches("[0-9]+");
  }

  /**
   * A Sidecar resource scopes what the sidecar imports (only reviews here) and overrides the mesh's
   * outboundTrafficPolicy (ALLOW_ANY over the mesh's REGISTRY_ONLY); deleting it restores both.
   */
  @Test
  @Order(7)
  void aSidecarResourceScopesEgressAndOverridesTheOutboundPolicy() throws IOException {
    Path sidecar = config.resolve("sidecar.yaml");
    Files.writeString(sidecar, """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default}
        spec:
          egress: [{hosts: ["./reviews.default.svc.cluster.local"]}]
          outboundTrafficPolicy: {mode: ALLOW_ANY}
        """);
    String dns = "outbound|80||outside-dns.example.com";
    await("the Sidecar applied at the sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      String dump = pod.exec(false, "curl", "-s", "127.0.0.1:15000/config_dump");
      return !dump.contains(dns) && dump.contains("\"allow_any\"") && !dump.contains("\"block_all\"");
    });
    assertThat(curlInPod("http://" + VIP + ":9080/")).as("imported: reviews").startsWith("reviews v1");
    long passthrough = stat("cluster.PassthroughCluster.upstream_cx_total");
    assertThat(curlInPod("http://" + pod.hostIp() + ":" + outside.port() + "/"))
        .as("ALLOW_ANY from the Sidecar: an unknown destination passes").startsWith("outside v1");
    assertThat(stat("cluster.PassthroughCluster.upstream_cx_total")).isGreaterThan(passthrough);

    Files.delete(sidecar);
    await("the Sidecar's removal at the sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      String dump = pod.exec(false, "curl", "-s", "127.0.0.1:15000/config_dump");
      return dump.contains(dns) && dump.contains("\"block_all\"");
    });
    assertThat(curlInPod("http://outside-dns.example.com/")).as("imported again").startsWith("outside v1");
  }

  /**
   * A Sidecar's ingress listener: callers reach the app on a port no Service names, forwarded to
   * the app's loopback port; the Services' own inbound port is replaced while it applies.
   */
  @Test
  @Order(8)
  void aSidecarIngressListenerForwardsItsPortToTheAppsEndpoint() throws Exception {
    Path sidecar = config.resolve("sidecar-ingress.yaml");
    Files.writeString(sidecar, """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: app-ingress}
        spec:
          workloadSelector: {labels: {app: app}}
          ingress:
          - port: {number: 9999, protocol: HTTP, name: http-alt}
            defaultEndpoint: 127.0.0.1:8080
          egress: [{hosts: ["*/*"]}]
        """);
    await("the ingress listener at the sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      String dump = pod.exec(false, "curl", "-s", "127.0.0.1:15000/config_dump");
      return dump.contains("inbound|9999||") && !dump.contains("inbound|8080||");
    });
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://" + pod.ip() + ":9999/ingress")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("app v1");
    assertThat(r.headers().firstValue("server")).as("through the sidecar").hasValue("envoy");
    assertThat(stat("cluster.inbound|9999||.upstream_rq_total")).isPositive();

    Files.delete(sidecar);
    await("the Services' inbound port back").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      String dump = pod.exec(false, "curl", "-s", "127.0.0.1:15000/config_dump");
      return !dump.contains("inbound|9999||") && dump.contains("inbound|8080||");
    });
  }

  private static String curlInPod(String... args) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-m", "10"));
    cmd.addAll(List.of(args));
    return pod.exec(false, cmd.toArray(String[]::new));
  }

  private static long stat(String name) {
    String out = pod.exec(true, "curl", "-s", "127.0.0.1:15000/stats?filter=^" + name.replace("|", "%7C") + "$");
    for (String line : out.split("\n")) {
      if (line.startsWith(name + ": ")) {
        return Long.parseLong(line.substring(name.length() + 2).trim());
      }
    }
    throw new AssertionError("no stat " + name + " in:\n" + out);
  }

  private static String envoyLog() {
    return read(pod.dir().resolve("envoy.log"));
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
