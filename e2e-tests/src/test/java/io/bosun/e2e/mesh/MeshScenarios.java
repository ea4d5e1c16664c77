package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.e2e.ManifestsAccess;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.ServiceEntry;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The user's journey through the mesh, the same on every fixture: helm installs Bosun, a labelled
 * namespace's pods come up with injected sidecars, and Istio config applied with the API steers
 * real HTTP between them. Each scenario prints a short report.
 *
 * <p>Scenarios do not depend on each other's order: each leaves the namespace's Istio config as
 * it found it, and waits until the client's sidecar holds the routes and clusters it held before.
 * The one exception runs last: restarting Bosun moves it to a new pod, whose address proxies
 * that re-resolve slowly (gRPC waits 30 s between DNS lookups) may not have yet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class MeshScenarios {
  static final String NS = "bookinfo";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Set by the subclass's {@code @BeforeAll}. */
  static MeshFixture mesh;
  private static String baseline;

  @BeforeEach
  void rememberTheClientsConfig() {
    if (baseline == null) {
      baseline = stableClientConfig();
    }
  }

  @AfterEach
  void restoreTheIstioConfig() {
    KubernetesClient k = mesh.client();
    k.resources(VirtualService.class).inNamespace(NS).delete();
    k.resources(DestinationRule.class).inNamespace(NS).delete();
    k.resources(ServiceEntry.class).inNamespace(NS).delete();
    await("the client's sidecar back on the config it started with").atMost(Duration.ofSeconds(30))
        .ignoreExceptions().untilAsserted(() -> assertThat(stableClientConfig()).isEqualTo(baseline));
  }

  @Test
  void everyPodGetsASidecarAndTheCallGraphWorks() {
    assertInjected(mesh.client().pods().inNamespace(NS).list().getItems());
    // the whole chain: client -> productpage -> reviews (-> ratings) and details, every hop sidecar to sidecar;
    // first until every sidecar has its peers' endpoints (a pod that just started may not have them yet)
    await("20 whole pages in a row").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      for (int i = 0; i < 20; i++) {
        String page = curl("http://productpage:9080/");
        if (!page.contains("\n-> details v1\n") || page.contains("unavailable")) {
          return false;
        }
      }
      return true;
    });
    Map<String, Integer> pages = new TreeMap<>();
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String page = curl("-w", "status %{http_code}\n", "http://productpage:9080/");
      String reviews = page.lines().filter(l -> l.startsWith("-> reviews")).findFirst().orElse("-> no reviews");
      boolean ratings = page.contains("\n  -> ratings v1\n");
      pages.merge(reviews.substring(3) + (ratings ? " + ratings" : ""), 1, Integer::sum);
      if (!page.startsWith("productpage v1\n") || !page.contains("\n-> details v1\n") || page.contains("unavailable")
          || !page.endsWith("status 200\n") || ratings == reviews.equals("-> reviews v1")) {
        failed.add(page);
      }
    }
    report("productpage through the mesh, no VirtualService", pages);
    assertThat(failed).as("pages without the whole call graph").isEmpty();
    assertThat(pages.keySet()).containsExactlyInAnyOrder("reviews v1", "reviews v2 + ratings", "reviews v3 + ratings");
    assertThat(curl("http://details:9080/")).as("the app names its pod")
        .matches("details v1\npod: details-v1-[a-z0-9]+-[a-z0-9]+\n");
    Sample reviews = sample("http://reviews:9080/", 90, Map.of());
    report("reviews from the client, no VirtualService", reviews);
    assertThat(reviews.counts().keySet()).containsExactlyInAnyOrder("reviews v1", "reviews v2", "reviews v3");
  }

  @Test
  void subsetRoutingCanaryAndHeaderMatch() {
    apply(REVIEWS_SUBSETS + "---\n" + reviewsVs(100, 0));
    await("all traffic on v1").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> split("http://reviews:9080/", 20, Map.of()).equals(Map.of("reviews v1", 20)));
    apply(reviewsVs(80, 20));
    await("the 80/20 route at the client's sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> clientRoutes().contains("\"weight\": 80"));
    Sample s80 = sample("http://reviews:9080/", 1000, Map.of());
    report("canary 80/20", s80);
    assertThat(s80.counts().getOrDefault("reviews v1", 0)).isBetween(750, 850);
    apply(reviewsVs(90, 10));
    await("the 90/10 route at the client's sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> clientRoutes().contains("\"weight\": 90"));
    Sample s90 = sample("http://reviews:9080/", 1000, Map.of());
    report("canary 90/10", s90);
    assertThat(s90.counts().getOrDefault("reviews v1", 0)).isBetween(850, 950);
    Map<String, Integer> jason = split("http://reviews:9080/", 50, Map.of("end-user", "jason"));
    report("end-user: jason", jason);
    assertThat(jason).isEqualTo(Map.of("reviews v2", 50));
  }

  static final String REVIEWS_SUBSETS = """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews, namespace: bookinfo}
      spec:
        host: reviews
        subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
      """;

  static String reviewsVs(int v1, int v2) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews]
          http:
          - match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - route:
            - {destination: {host: reviews, subset: v1}, weight: %d}
            - {destination: {host: reviews, subset: v2}, weight: %d}
        """.formatted(v1, v2);
  }

  @Test
  void faultInjectionAndATimeoutOnTheCaller() {
    apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http:
          - match: [{headers: {end-user: {exact: jason}}}]
            fault: {delay: {fixedDelay: 7s, percentage: {value: 100}}}
            route: [{destination: {host: ratings}}]
          - match: [{headers: {end-user: {exact: abort}}}]
            fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
            route: [{destination: {host: ratings}}]
          - timeout: 2s
            route: [{destination: {host: ratings}}]
        """);
    await("the fault routes").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "end-user: abort", "http://ratings:9080/")
            .equals("500"));
    long start = System.nanoTime();
    String delayed = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "end-user: jason", "http://ratings:9080/");
    long delayedMs = (System.nanoTime() - start) / 1_000_000;
    start = System.nanoTime();
    String timedOut = curl("-o", "/dev/null", "-w", "%{http_code}", "http://ratings:9080/?delay=7s");
    long timeoutMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("[fault injection] jason's 7 s delay: %s after %d ms; abort: 500; a 7 s backend behind a 2 s"
        + " timeout: %s after %d ms%n", delayed, delayedMs, timedOut, timeoutMs);
    assertThat(delayed).isEqualTo("200");
    assertThat(delayedMs).isBetween(6900L, 9000L);
    assertThat(timedOut).isEqualTo("504");
    assertThat(timeoutMs).isBetween(1800L, 4000L);
  }

  @Test
  void retriesAreSeenByTheBackend() {
    apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http:
          - match: [{headers: {x-retry: {exact: "1"}}}]
            retries: {attempts: 3, perTryTimeout: 2s, retryOn: 5xx}
            route: [{destination: {host: ratings}}]
          - retries: {attempts: 0}
            route: [{destination: {host: ratings}}]
        """);
    await("the retry route").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      long before = ratingsRequests();
      curl("-o", "/dev/null", "http://ratings:9080/?status=503");
      return ratingsRequests() - before == 2; // one failing request, no retries, plus the count itself
    });
    long before = ratingsRequests();
    String status = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "x-retry: 1",
        "http://ratings:9080/?status=503");
    long attempts = ratingsRequests() - before - 1;
    System.out.printf("[retries] attempts 3 on 5xx: the backend saw %d attempts, the caller got %s%n",
        attempts, status);
    assertThat(status).isEqualTo("503");
    assertThat(attempts).isEqualTo(4);
  }

  /** The ratings server's own count of requests (the counting request included). */
  static long ratingsRequests() {
    String body = curl("http://ratings:9080/?count=1");
    return body.lines().filter(l -> l.startsWith("requests: ")).map(l -> Long.parseLong(l.substring(10).trim()))
        .findFirst().orElseThrow(() -> new AssertionError("no count in " + body));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void aRollingRestartOfBosunFailsNoRequest() throws Exception {
    KubernetesClient k = mesh.client();
    String oldUid = bosunPods(k).get(0).getMetadata().getUid();
    apply(REVIEWS_SUBSETS);
    await("productpage's sidecar with the subsets").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> mesh.sidecarAdmin("productpage-v1", "/clusters").contains("outbound|9080|v3|reviews"));
    String routesBefore = routeVersion(mesh.sidecarAdmin("productpage-v1", ROUTES));
    String stop = "/tmp/bosun-steady-traffic-" + UUID.randomUUID();
    // steady traffic from the client pod until told to stop: one status code and time per line
    CompletableFuture<String> traffic = CompletableFuture.supplyAsync(() -> mesh.clientShell(
        "while [ ! -e " + stop + " ]; do curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}\\n'"
            + " http://productpage:9080/; sleep 0.05; done"));
    try {
      Thread.sleep(2000); // steady traffic before the restart, not a wait for a condition
      k.apps().deployments().inNamespace("istio-system").withName("bosun").rolling().restart();
      await("a new Bosun pod serving and the old one gone").atMost(Duration.ofSeconds(180)).ignoreExceptions()
          .until(() -> mesh.bosunReplaced(oldUid));
      await("productpage's sidecar back on an xDS stream").atMost(Duration.ofSeconds(90)).ignoreExceptions()
          .until(() -> mesh.sidecarAdmin("productpage-v1", "/stats?filter=control_plane.connected_state")
              .contains("control_plane.connected_state: 1"));
      String routesAfter = routeVersion(mesh.sidecarAdmin("productpage-v1", ROUTES));
      // a change made after the restart reaches the sidecars: productpage's follows the new Bosun
      apply("""
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: reviews, namespace: bookinfo}
          spec:
            hosts: [reviews]
            http: [{route: [{destination: {host: reviews, subset: v3}}]}]
          """);
      await("the new Bosun's push at productpage").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> {
            for (int i = 0; i < 10; i++) {
              if (!curl("http://productpage:9080/").contains("\n-> reviews v3\n")) {
                return false;
              }
            }
            return true;
          });
      mesh.clientShell("touch " + stop);
      Map<String, Integer> codes = new TreeMap<>();
      List<Double> seconds = new ArrayList<>();
      traffic.get(1, TimeUnit.MINUTES).lines().filter(l -> !l.isBlank()).forEach(l -> {
        String[] f = l.trim().split(" ");
        codes.merge(f[0], 1, Integer::sum);
        seconds.add(Double.parseDouble(f[1]));
      });
      report("rolling restart of Bosun under steady traffic", codes);
      System.out.printf("[rolling restart] slowest request %.0f ms; route version before %s, after reconnecting %s%n",
          seconds.stream().mapToDouble(Double::doubleValue).max().orElse(0) * 1000, routesBefore, routesAfter);
      assertThat(codes.keySet()).as("every request answered 200").containsExactly("200");
      assertThat(codes.get("200")).isGreaterThan(50);
      assertThat(routesAfter).as("the new Bosun serves the same config under the same version").isEqualTo(routesBefore);
    } finally {
      mesh.clientShell("touch " + stop);
      traffic.get(1, TimeUnit.MINUTES);
      mesh.clientShell("rm -f " + stop);
    }
  }

  // --- helpers ---

  static List<Pod> bosunPods(KubernetesClient k) {
    return k.pods().inNamespace("istio-system").withLabel("app", "bosun").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** Every pod has the init container and the native sidecar, in that order. */
  static void assertInjected(List<Pod> pods) {
    for (Pod p : pods) {
      assertThat(p.getSpec().getInitContainers()).as(p.getMetadata().getName()).extracting(c -> c.getName())
          .containsExactly("istio-init", "istio-proxy");
    }
  }

  static void apply(String yaml) {
    apply(mesh.client(), yaml);
  }

  static void apply(KubernetesClient k, String yaml) {
    String trimmed = yaml.strip();
    while (trimmed.endsWith("---")) {
      trimmed = trimmed.substring(0, trimmed.length() - 3).strip(); // an empty last document
    }
    ManifestsAccess.apply(k, trimmed + "\n");
  }

  /** {@code curl -s -m 10 ARGS...} from the client pod. */
  static String curl(String... args) {
    StringBuilder script = new StringBuilder("curl -s -m 10");
    for (String a : args) {
      script.append(' ').append(quote(a));
    }
    return mesh.clientShell(script.toString());
  }

  static String quote(String arg) {
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  static final String ROUTES = "/config_dump?resource=dynamic_route_configs";

  /** The client sidecar's route configurations, as its Envoy reports them. */
  static String clientRoutes() {
    return mesh.clientShell("curl -s '127.0.0.1:15000" + ROUTES + "'");
  }

  /**
   * What the scenarios change at the client's sidecar: bookinfo's clusters and the route "9080",
   * without versions and times, so equal when the config is. Services others add (a gateway's)
   * do not count.
   */
  static String stableClientConfig() {
    try {
      List<String> out = new ArrayList<>();
      JsonNode clusters = JSON.readTree(mesh.clientShell(
          "curl -s '127.0.0.1:15000/config_dump?resource=dynamic_active_clusters'"));
      for (JsonNode c : clusters.path("configs")) {
        JsonNode cluster = c.path("cluster");
        if (cluster.path("name").asText().contains(".bookinfo.svc.cluster.local")) {
          out.add(cluster.toString());
        }
      }
      for (JsonNode r : JSON.readTree(clientRoutes()).path("configs")) {
        JsonNode route = r.path("route_config");
        if (route.path("name").asText().equals("9080")) {
          out.add(route.toString());
        }
      }
      out.sort(null);
      return String.join("\n", out);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the client's config dump is not JSON", e);
    }
  }

  /** The version a sidecar's route dump holds for RDS route "9080". */
  static String routeVersion(String dump) {
    int at = dump.indexOf("\"name\": \"9080\"");
    if (at < 0) {
      throw new AssertionError("no route 9080 in " + dump);
    }
    int v = dump.lastIndexOf("\"version_info\": \"", at);
    return dump.substring(v + 17, dump.indexOf('"', v + 17));
  }

  /** Response first lines over {@code n} requests from the client pod, counted. */
  static Map<String, Integer> split(String url, int n, Map<String, String> headers) {
    return sample(url, n, headers).counts();
  }

  /** Answers' first lines, counted, and each request's time. */
  record Sample(Map<String, Integer> counts, List<Double> seconds) {
  }

  static Sample sample(String url, int n, Map<String, String> headers) {
    StringBuilder h = new StringBuilder();
    headers.forEach((k, v) -> h.append(" -H ").append(quote(k + ": " + v)));
    String raw = mesh.clientShell("for i in $(seq " + n + "); do curl -s -m 5 -w 'TIME %{time_total}\\n'" + h + " "
        + url + " | sed -n '1p;/^TIME /p'; done");
    List<Double> seconds = raw.lines().filter(l -> l.startsWith("TIME ")).map(l -> Double.parseDouble(l.substring(5)))
        .toList();
    String out = raw.lines().filter(l -> !l.startsWith("TIME ")).collect(Collectors.joining("\n"));
    if (out.contains("no healthy upstream")) {
      System.out.println("[diagnostics] client's reviews clusters:\n"
          + mesh.clientShell("curl -s 127.0.0.1:15000/clusters")
          .lines().filter(l -> l.contains("|reviews") && (l.contains("health_flags") || l.contains("::hostname")))
          .toList());
    }
    return new Sample(tally(out), seconds);
  }

  /** Non-blank lines of {@code out}, counted. */
  static Map<String, Integer> tally(String out) {
    Map<String, Integer> counts = new TreeMap<>();
    out.lines().filter(l -> !l.isBlank()).forEach(l -> counts.merge(l.trim(), 1, Integer::sum));
    return counts;
  }

  /** The split and the latencies (p50, p99, max) of a sample. */
  static void report(String scenario, Sample sample) {
    report(scenario, sample.counts());
    List<Double> sorted = sample.seconds().stream().sorted().toList();
    if (!sorted.isEmpty()) {
      System.out.printf("[%s] latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", scenario,
          1000 * sorted.get(sorted.size() / 2), 1000 * sorted.get(Math.min(sorted.size() - 1,
              sorted.size() * 99 / 100)),
          1000 * sorted.get(sorted.size() - 1));
    }
  }

  static void report(String scenario, Map<String, Integer> split) {
    int total = split.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder sb = new StringBuilder("[" + scenario + "] " + total + " requests:");
    split.forEach((k, v) -> sb.append(String.format(" %s %d (%.1f%%)", k, v, 100.0 * v / Math.max(1, total))));
    System.out.println(sb);
  }
}
