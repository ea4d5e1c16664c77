package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyze -n/-A} reads live objects: a fake API server on loopback answers the list requests
 * (and 404 for the kinds whose CRD it lacks), as the real one would.
 */
class AnalyzeClusterTest {
  private static final Map<String, String> LISTS = Map.of(
      "/apis/networking.istio.io/v1/virtualservices", """
          {"kind": "VirtualServiceList", "apiVersion": "networking.istio.io/v1", "metadata": {}, "items": [
            {"metadata": {"name": "reviews", "namespace": "shop"},
             "spec": {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviewz"}}]}]}},
            {"metadata": {"name": "web", "namespace": "front"},
             "spec": {"hosts": ["*"], "gateways": ["web"], "http": [{"route": [{"destination":
               {"host": "reviews.shop.svc.cluster.local"}}]}]}}]}""",
      "/apis/networking.istio.io/v1/gateways", """
          {"kind": "GatewayList", "apiVersion": "networking.istio.io/v1", "metadata": {}, "items": [
            {"metadata": {"name": "web", "namespace": "front"},
             "spec": {"selector": {"istio": "ingressgateway"}, "servers": [{"port": {"number": 80, "name": "http",
               "protocol": "HTTP"}, "hosts": ["*"]}]}}]}""",
      "/api/v1/services", """
          {"kind": "ServiceList", "apiVersion": "v1", "metadata": {}, "items": [
            {"metadata": {"name": "reviews", "namespace": "shop"},
             "spec": {"selector": {"app": "reviews"}, "ports": [{"name": "http", "port": 9080}]}}]}""",
      "/api/v1/pods", """
          {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
            {"metadata": {"name": "reviews-v1", "namespace": "shop", "labels": {"app": "reviews"}},
             "spec": {"containers": [{"name": "reviews", "image": "r"}]}}]}""",
      "/api/v1/namespaces", """
          {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": [
            {"metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}},
            {"metadata": {"name": "front"}}]}""");

  private final CapturedStreams streams = new CapturedStreams();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  /** Lists one test adds to (or overrides in) the fake API server's. */
  private final Map<String, String> extra = new ConcurrentHashMap<>();
  private HttpServer api;
  private Path kubeconfig;

  @TempDir
  Path dir;

  @BeforeEach
  void start() throws IOException {
    streams.start();
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      requests.add(exchange.getRequestMethod() + " " + path);
      String body = extra.getOrDefault(path, LISTS.get(path));
      byte[] bytes = (body != null ? body : "{\"kind\": \"Status\", \"apiVersion\": \"v1\", \"status\": \"Failure\","
          + " \"reason\": \"NotFound\", \"code\": 404}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(body != null ? 200 : 404, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    api.start();
    kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "http://127.0.0.1:%d"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: fake, context: {cluster: fake, user: u, namespace: shop}}]
        current-context: fake
        """.formatted(api.getAddress().getPort()));
  }

  @AfterEach
  void stop() {
    api.stop(0);
    streams.stop();
  }

  private String output() {
    return streams.takeOut();
  }

  @Test
  void anOlderIstiosCrdsAreReadAtTheVersionTheyServe() {
    // a cluster whose security CRDs serve v1beta1 only (Istio before 1.22): read there, not skipped
    extra.put("/apis/security.istio.io/v1beta1/peerauthentications", """
        {"kind": "PeerAuthenticationList", "apiVersion": "security.istio.io/v1beta1", "metadata": {}, "items": [
          {"metadata": {"name": "a", "namespace": "shop"}, "spec": {"mtls": {"mode": "STRICT"}}},
          {"metadata": {"name": "b", "namespace": "shop"}, "spec": {"mtls": {"mode": "PERMISSIVE"}}}]}""");
    assertThat(Bosunctl.run("analyze", "-n", "shop", "--kubeconfig", kubeconfig.toString())).isEqualTo(1);
    assertThat(output()).contains("[BSN0108] (PeerAuthentication shop/");
    assertThat(requests).containsSubsequence("GET /apis/security.istio.io/v1/peerauthentications",
        "GET /apis/security.istio.io/v1beta1/peerauthentications");
    assertThat(requests).as("networking's oldest version is tried too")
        .contains("GET /apis/networking.istio.io/v1alpha3/sidecars");
    assertThat(streams.err()).doesNotContain("PeerAuthentication").contains("Sidecar");
  }

  @Test
  void theContextsNamespaceIsAnalysedFromLiveObjects() {
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString())).isEqualTo(1);
    assertThat(output()).isEqualTo("""
        Error [BSN0101] (VirtualService shop/reviews) spec.http[0].route[0].destination.host: Referenced host not\
         found: "reviewz.shop.svc.cluster.local"
        Warning [BSN0107] (Pod shop/reviews-v1) The pod is missing the Istio proxy (namespace label\
         istio-injection=enabled); restart it to have one injected
        Found 1 error, 1 warning when analyzing namespace: shop.
        """);
    assertThat(requests).contains("GET /api/v1/pods", "GET /apis/networking.istio.io/v1/virtualservices",
        "GET /apis/security.istio.io/v1/peerauthentications");
    assertThat(streams.err())
        .contains("note: the API server does not serve security.istio.io/v1 PeerAuthentication; none analysed");
  }

  @Test
  void anotherNamespaceOrAllOfThem() {
    // the Gateway's selector matches no pod of the cluster
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString(), "-n", "front")).isEqualTo(1);
    assertThat(output()).isEqualTo("""
        Error [BSN0104] (Gateway front/web) spec.selector: Referenced selector not found: "istio=ingressgateway"\
         matches no pod
        Found 1 error when analyzing namespace: front.
        """);
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString(), "-n", "empty")).isZero();
    assertThat(output()).isEqualTo("\u2714 No validation issues found when analyzing namespace: empty.\n");
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString(), "-A")).isEqualTo(1);
    assertThat(output()).contains("[BSN0101]", "[BSN0104]", "[BSN0107]",
        "Found 2 errors, 1 warning when analyzing all namespaces.");
  }

  @Test
  void filesOverlayTheCluster(@TempDir Path files) throws IOException {
    Path fix = Files.writeString(files.resolve("fix.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: shop}
        spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
        """);
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString(), "-n", "shop", "-f", fix.toString()))
        .isZero();
    assertThat(output()).doesNotContain("BSN0101").contains("[BSN0107]");
  }

  @Test
  void anApiServerThatIsAwayIsOneErrorLine() {
    int port = api.getAddress().getPort();
    api.stop(0);
    assertThat(Bosunctl.run("analyze", "--kubeconfig", kubeconfig.toString(), "-A")).isEqualTo(1);
    assertThat(streams.err())
        .startsWith("bosunctl: cannot list VirtualService objects from the API server (http://127.0.0.1:" + port);
    assertThat(output()).isEmpty();
  }
}
