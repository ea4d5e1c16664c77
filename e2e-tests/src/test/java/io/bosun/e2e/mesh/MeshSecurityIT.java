package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.testing.Jwt;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mesh's security, end to end on {@link NetnsMesh}: mutual TLS between sidecars with the
 * workload certificates Bosun issues over SDS, PeerAuthentication, AuthorizationPolicy and
 * RequestAuthentication as Istio applies them, and certificate rotation under traffic.
 *
 * <p>Bosun runs with a 40 s workload certificate lifetime (renewed every ~20 s) for the whole
 * class, not only for the rotation test: renewal must be seamless, so every other scenario passes
 * with certificates changing under it. An unmeshed pod ({@code plain} in namespace {@code outside},
 * no sidecar and no interception) plays the plaintext client; it dials pod IPs, as nothing but a
 * sidecar implements ClusterIPs here. After each test, its policies are deleted and the mesh's
 * defaults (auto mutual TLS, PERMISSIVE, everything allowed) are awaited before the next.
 */
@WithRealCluster(controllers = true)
class MeshSecurityIT {
  static final String NS = MeshScenarios.NS;
  static final String OUTSIDE = "outside";
  static final String ISSUER = "https://issuer.example";
  static final String SPIFFE = "spiffe://cluster.local/ns/bookinfo/sa/";
  /** TLS handshakes a sidecar's virtualInbound listener (0.0.0.0:15006, no stat_prefix) completed. */
  static final String INBOUND_HANDSHAKES = "listener.0.0.0.0_15006.ssl.handshake";
  static final String RATINGS = "http://ratings:9080/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> SECURITY_KINDS = Map.of("PeerAuthentication", "peerauthentications",
      "AuthorizationPolicy", "authorizationpolicies", "RequestAuthentication", "requestauthentications");
  static NetnsMesh mesh;
  static KubernetesClient k;

  @BeforeAll
  static void start(RealCluster c) throws Exception {
    k = c.client();
    mesh = NetnsMesh.start(c, "security.workloadCertTtl=40s");
    MeshScenarios.apply(k, """
        apiVersion: v1
        kind: Namespace
        metadata: {name: outside}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: plain, namespace: outside}
        spec:
          replicas: 1
          selector: {matchLabels: {app: plain}}
          template:
            metadata: {labels: {app: plain}}
            spec: {containers: [{name: app, image: "bosun-e2e/client:1"}]}
        """);
    await("the unmeshed pod").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(steady(() -> !mesh.runner.podsWithPrefix(OUTSIDE, "plain-").isEmpty()));
    assertThat(k.pods().inNamespace(OUTSIDE).list().getItems().get(0).getSpec().getInitContainers())
        .as("no sidecar outside the labelled namespace").isEmpty();
    awaitTheDefaults();
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @AfterEach
  void deleteThePolicies() {
    SECURITY_KINDS.keySet().forEach(kind -> k.genericKubernetesResources(security(kind)).inNamespace(NS).delete());
    k.resources(DestinationRule.class).inNamespace(NS).delete();
    k.resources(VirtualService.class).inNamespace(NS).delete();
    awaitTheDefaults();
  }

  /** Auto mutual TLS between sidecars, plaintext accepted (PERMISSIVE), every request allowed. */
  static void awaitTheDefaults() {
    await("the mesh's defaults").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(steady(() ->
        xfcc(curl("http://reviews:9080/?headers=1")).contains("URI=" + SPIFFE + "default")
            && status("client-", RATINGS + "secret").equals("200") && plain("ratings-v1-").equals("200")));
  }

  /**
   * {@code condition} holding for several checks in a row. A config change reaches each proxy on
   * its own, and a sidecar's pooled connections to another finish their request under the
   * listener config they were opened with (Envoy drains them at once, after that request): one
   * check that holds can be one proxy or one connection ahead of the rest.
   */
  static Callable<Boolean> steady(Callable<Boolean> condition) {
    // held for longer than the listeners' drain period: a connection the client pooled before the
    // change is still served by the old filter chain (without the new policy) until it drains, and
    // which pod a request reaches is random
    return () -> {
      long end = System.nanoTime() + DRAIN.toNanos();
      for (int calls = 0; calls < 8 || System.nanoTime() < end; calls++) {
        if (!condition.call()) {
          return false;
        }
      }
      return true;
    };
  }

  /** The chart's listener drain period (5 s), and a margin. */
  static final Duration DRAIN = Duration.ofSeconds(6);

  @Test
  void everyHopIsMutualTlsByDefaultAndWithIstioMutual() {
    // the receiving sidecar names the caller's identity (the client pod runs as "default")
    for (int i = 0; i < 20; i++) {
      String answer = curl("http://reviews:9080/?headers=1");
      assertThat(answer).startsWith("reviews v").doesNotContain("unavailable");
      assertThat(xfcc(answer)).as(answer).contains("URI=" + SPIFFE + "default");
    }
    long inbound = reviewsHandshakes();
    long outbound = stat(admin("client-", "/stats?filter=ssl.handshake"),
        "cluster.outbound|9080||reviews.bookinfo.svc.cluster.local.ssl.handshake");
    assertThat(inbound).as("handshakes at reviews' inbound listener").isPositive();
    assertThat(outbound).as("handshakes of the client's reviews cluster").isPositive();
    // Bookinfo's destination-rule-all-mtls.yaml for reviews, and a route to v1
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          host: reviews
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          hosts: [reviews]
          http: [{route: [{destination: {host: reviews, subset: v1}}]}]
        """);
    await("ISTIO_MUTUAL to the subsets at the client").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> curl("http://reviews:9080/").startsWith("reviews v1\n")));
    String clusters = admin("client-", "/config_dump?resource=dynamic_active_clusters");
    for (String v : List.of("v1", "v2", "v3")) {
      assertThat(clusters).contains("\"sni\": \"outbound_.9080_." + v + "_.reviews.bookinfo.svc.cluster.local\"");
    }
    for (int i = 0; i < 20; i++) {
      String answer = curl("http://reviews:9080/?headers=1");
      assertThat(answer).startsWith("reviews v1\n");
      assertThat(xfcc(answer)).as(answer).contains("URI=" + SPIFFE + "default");
    }
    System.out.printf("[mTLS] 40 requests client -> reviews, each with the client's SPIFFE identity in XFCC; %d TLS"
        + " handshakes at reviews' inbound, %d from the client; ISTIO_MUTUAL subsets with Istio's SNI%n",
        inbound, outbound);
    allMtlsEveryHop();
  }

  /**
   * Bookinfo's destination-rule-all-mtls.yaml as Istio ships it: every hop of client -> productpage
   * -> reviews (v2, v3) -> ratings and productpage -> details succeeds, and every receiving sidecar
   * shakes hands (its inbound TLS handshakes grow) with the caller's sidecar.
   */
  private static void allMtlsEveryHop() {
    k.resources(VirtualService.class).inNamespace(NS).delete();
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: productpage, namespace: bookinfo}
        spec:
          host: productpage
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets: [{name: v1, labels: {version: v1}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          host: ratings
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
          - {name: v2-mysql, labels: {version: v2-mysql}}
          - {name: v2-mysql-vm, labels: {version: v2-mysql-vm}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: details, namespace: bookinfo}
        spec:
          host: details
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        """);
    List<String> pods = List.of("productpage-v1-", "details-v1-", "reviews-v1-", "reviews-v2-", "reviews-v3-",
        "ratings-v1-");
    await("ISTIO_MUTUAL on every service at every sidecar").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> admin("productpage-v1-", "/config_dump?resource=dynamic_active_clusters")
            .contains("outbound_.9080_._.details.bookinfo.svc.cluster.local")
            && admin("reviews-v2-", "/config_dump?resource=dynamic_active_clusters")
            .contains("outbound_.9080_._.ratings.bookinfo.svc.cluster.local")));
    Map<String, Long> before = new TreeMap<>();
    pods.forEach(p -> before.put(p, stat(admin(p, "/stats?filter=ssl.handshake"), INBOUND_HANDSHAKES)));
    int calls = 0;
    for (int i = 0; i < 30; i++) {
      String answer = curl("http://productpage:9080/");
      assertThat(answer).startsWith("productpage v1").contains("-> reviews v").contains("-> details v1")
          .doesNotContain("unavailable");
      calls += answer.contains("-> ratings v1") ? 1 : 0;
    }
    assertThat(calls).as("reviews v2 and v3 called ratings").isPositive();
    for (String p : pods) {
      assertThat(stat(admin(p, "/stats?filter=ssl.handshake"), INBOUND_HANDSHAKES)).as(p + " inbound handshakes")
          .isGreaterThan(before.get(p));
    }
    System.out.printf("[mTLS] destination-rule-all-mtls: 30 requests client -> productpage -> reviews -> ratings and"
        + " -> details, all answered; every one of the %d pods shook hands inbound%n", pods.size());
  }

  @Test
  void strictRefusesPlaintextAndPermissiveAcceptsIt() {
    apply(peerAuthentication("default", "", "{mode: STRICT}"));
    await("STRICT in effect").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> plain("ratings-v1-").equals("000")));
    assertThat(plain("reviews-v1-")).as("plaintext to reviews under STRICT").isEqualTo("000");
    assertMeshedCallsWork(true);
    apply(peerAuthentication("default", "", "{mode: PERMISSIVE}"));
    await("PERMISSIVE in effect").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> plain("ratings-v1-").equals("200")));
    assertThat(plain("reviews-v1-")).as("plaintext to reviews under PERMISSIVE").isEqualTo("200");
    assertMeshedCallsWork(false);
    System.out.println("[peer authentication] STRICT: the unmeshed pod's plaintext refused, sidecars served over"
        + " mutual TLS; PERMISSIVE: both served");
  }

  @Test
  void disableMeansPlaintextBetweenSidecars() throws InterruptedException {
    apply(peerAuthentication("default", "", "{mode: DISABLE}"));
    await("DISABLE in effect").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> xfcc(curl("http://reviews:9080/?headers=1")).isEmpty()));
    // a change applies to new connections: the client's pooled mutual-TLS connections to the
    // reviews pods live out the drain period of the listener change there (the chart's 5 s)
    Thread.sleep(6000);
    long before = reviewsHandshakes();
    for (int i = 0; i < 20; i++) {
      String answer = curl("http://reviews:9080/?headers=1");
      assertThat(answer).startsWith("reviews v").doesNotContain("unavailable");
      assertThat(xfcc(answer)).as(answer).isEmpty();
    }
    long handshakes = reviewsHandshakes() - before;
    assertThat(handshakes).as("TLS handshakes at reviews while DISABLE").isZero();
    assertThat(plain("ratings-v1-")).isEqualTo("200");
    System.out.println("[peer authentication] DISABLE: 20 requests sidecar to sidecar in plaintext, no XFCC, no"
        + " handshake");
    // leave no plaintext connection pooled for the next test: STRICT has no plaintext chain, so
    // the listeners close those connections after their drain period (the chart's 5 s). Until
    // then a pooled plaintext connection to one reviews pod is still served: wait it out.
    apply(peerAuthentication("default", "", "{mode: STRICT}"));
    await("STRICT in effect").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> !xfcc(curl("http://reviews:9080/?headers=1")).isEmpty()));
    Thread.sleep(6000);
    assertMeshedCallsWork(true);
  }

  @Test
  void aWorkloadsPortLevelMtlsOverridesItsNamespace() {
    // the workload's policy leaves its own mode unset: the port's mode beats the namespace's
    apply(peerAuthentication("default", "", "{mode: PERMISSIVE}") + "---\n"
        + peerAuthentication("ratings", "ratings", "{}\n  portLevelMtls: {9080: {mode: STRICT}}"));
    await("ratings' port 9080 STRICT").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> plain("ratings-v1-").equals("000")));
    assertThat(plain("reviews-v1-")).as("the rest of the namespace PERMISSIVE").isEqualTo("200");
    assertMeshedCallsWork(false);
    apply(peerAuthentication("default", "", "{mode: STRICT}") + "---\n"
        + peerAuthentication("ratings", "ratings", "{}\n  portLevelMtls: {9080: {mode: PERMISSIVE}}"));
    await("ratings' port 9080 PERMISSIVE in a STRICT namespace").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> plain("ratings-v1-").equals("200") && plain("reviews-v1-").equals("000")));
    assertMeshedCallsWork(true);
    System.out.println("[peer authentication] portLevelMtls on ratings:9080 overrides the namespace both ways"
        + " (STRICT in PERMISSIVE, PERMISSIVE in STRICT)");
  }

  @Test
  void denyOnAPathAnswers403ForThatPathOnly() {
    apply(authorization("deny-secret", "ratings", "DENY", "[{to: [{operation: {paths: [/secret]}}]}]"));
    await("the DENY policy").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> status("client-", RATINGS + "secret").equals("403")));
    assertThat(status("client-", RATINGS + "secret?x=1")).as("the query is not part of the path").isEqualTo("403");
    assertThat(status("client-", RATINGS)).isEqualTo("200");
    assertThat(status("client-", RATINGS + "secret/more")).as("paths match exactly").isEqualTo("200");
    assertThat(status("client-", "http://reviews:9080/secret")).as("other workloads").isEqualTo("200");
    System.out.println("[authorization] DENY /secret on ratings: 403 there, 200 elsewhere");
  }

  @Test
  void allowByPrincipalAdmitsOnlyThatServiceAccount() {
    StringBuilder clients = new StringBuilder();
    for (String sa : List.of("sa1", "sa2")) {
      clients.append("""
          apiVersion: v1
          kind: ServiceAccount
          metadata: {name: %1$s, namespace: bookinfo}
          ---
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: sleep-%1$s, namespace: bookinfo}
          spec:
            replicas: 1
            selector: {matchLabels: {app: sleep-%1$s}}
            template:
              metadata: {labels: {app: sleep-%1$s, version: v1}}
              spec:
                serviceAccountName: %1$s
                containers: [{name: app, image: "bosun-e2e/client:1"}]
          ---
          """.formatted(sa));
    }
    apply(clients.toString());
    try {
      await("the sa1 and sa2 clients injected, ready and served").atMost(Duration.ofSeconds(120)).ignoreExceptions()
          .until(steady(() -> status("sleep-sa1-", RATINGS).equals("200")
              && status("sleep-sa2-", RATINGS).equals("200")));
      for (Pod p : k.pods().inNamespace(NS).withLabel("version", "v1").list().getItems()) {
        if (p.getMetadata().getName().startsWith("sleep-")) {
          assertThat(p.getSpec().getInitContainers()).extracting(Container::getName).contains("istio-proxy");
        }
      }
      assertThat(xfcc(curlFrom(NS, "sleep-sa1-", RATINGS + "?headers=1"))).contains("URI=" + SPIFFE + "sa1");
      apply(authorization("only-sa1", "ratings", "ALLOW",
          "[{from: [{source: {principals: [cluster.local/ns/bookinfo/sa/sa1]}}]}]"));
      await("the ALLOW policy").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(steady(() -> status("sleep-sa2-", RATINGS).equals("403")
              && status("client-", RATINGS).equals("403") && status("sleep-sa1-", RATINGS).equals("200")));
      for (int i = 0; i < 5; i++) {
        assertThat(status("sleep-sa1-", RATINGS)).as("sa1").isEqualTo("200");
        assertThat(status("sleep-sa2-", RATINGS)).as("sa2").isEqualTo("403");
        assertThat(status("client-", RATINGS)).as("default").isEqualTo("403");
      }
      System.out.println("[authorization] ALLOW principals [sa1] on ratings: sa1 200, sa2 403, default 403");
    } finally {
      for (String sa : List.of("sa1", "sa2")) {
        k.apps().deployments().inNamespace(NS).withName("sleep-" + sa).delete();
        k.serviceAccounts().inNamespace(NS).withName(sa).delete();
      }
      await("the sa1 and sa2 clients gone").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(steady(() -> mesh.runner.podsWithPrefix(NS, "sleep-").isEmpty()));
    }
  }

  @Test
  void aNamespaceWideAllowNothingDeniesEverything() {
    apply("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-nothing, namespace: bookinfo}
        spec: {}
        """);
    await("allow-nothing").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> List.of("productpage", "details", "reviews", "ratings").stream()
            .allMatch(service -> status("client-", "http://" + service + ":9080/").equals("403"))));
    for (String service : List.of("productpage", "details", "reviews", "ratings")) {
      assertThat(status("client-", "http://" + service + ":9080/")).as(service).isEqualTo("403");
    }
    System.out.println("[authorization] allow-nothing in bookinfo: 403 from every service");
  }

  @Test
  void aConditionOnAHeaderAdmitsOnlyRequestsWithIt() {
    apply(authorization("token-header", "ratings", "ALLOW",
        "[{when: [{key: \"request.headers[x-token]\", values: [open-sesame]}]}]"));
    await("the header condition").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> status("client-", RATINGS).equals("403")));
    assertThat(status("client-", RATINGS, "x-token: open-sesame")).isEqualTo("200");
    assertThat(status("client-", RATINGS, "x-token: wrong")).isEqualTo("403");
    assertThat(status("client-", RATINGS)).isEqualTo("403");
    System.out.println("[authorization] when request.headers[x-token] = open-sesame: 200 with it, 403 without");
  }

  @Test
  void requestAuthenticationChecksTokensAndPoliciesUseTheirPrincipal() {
    Jwt issuer = new Jwt("test-key");
    Jwt forger = new Jwt("test-key");
    String alice = issuer.token(ISSUER, "alice");
    String bob = issuer.token(ISSUER, "bob");
    String expired = issuer.token(ISSUER, "alice", Instant.now().minus(Duration.ofHours(1)));
    String forged = forger.token(ISSUER, "alice");
    apply("""
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: jwt, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: ratings}}
          jwtRules: [{issuer: "%s", jwks: '%s'}]
        """.formatted(ISSUER, issuer.jwks()));
    await("the RequestAuthentication").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> status("client-", RATINGS, bearer(forged)).equals("401")));
    assertThat(status("client-", RATINGS, bearer(alice))).as("valid").isEqualTo("200");
    assertThat(status("client-", RATINGS, bearer(expired))).as("expired").isEqualTo("401");
    assertThat(status("client-", RATINGS, bearer(forged))).as("bad signature").isEqualTo("401");
    assertThat(status("client-", RATINGS)).as("no token").isEqualTo("200");
    apply(authorization("alice-only", "ratings", "ALLOW",
        "[{from: [{source: {requestPrincipals: [\"" + ISSUER + "/alice\"]}}]}]"));
    await("the requestPrincipals policy").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> status("client-", RATINGS).equals("403")));
    assertThat(status("client-", RATINGS, bearer(alice))).as("alice").isEqualTo("200");
    assertThat(status("client-", RATINGS, bearer(bob))).as("bob").isEqualTo("403");
    assertThat(status("client-", RATINGS)).as("no token").isEqualTo("403");
    System.out.println("[request authentication] valid 200, expired/forged 401, none 200; requestPrincipals alice:"
        + " alice 200, bob 403, none 403");
  }

  @Test
  void certificatesRotateUnderSteadyTrafficWithoutAFailedRequest() {
    // a new connection, so a new mutual TLS handshake, for every request on both hops
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec: {host: reviews, trafficPolicy: {connectionPool: {http: {maxRequestsPerConnection: 1}}}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: bookinfo}
        spec: {host: ratings, trafficPolicy: {connectionPool: {http: {maxRequestsPerConnection: 1}}}}
        """);
    await("one request per connection at the client").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(steady(() -> clientCluster("outbound|9080||reviews.bookinfo.svc.cluster.local")
            .contains("\"max_requests_per_connection\":1")));
    Map<String, String> before = workloadCerts(admin("reviews-v1-", "/certs"));
    long handshakesBefore = reviewsHandshakes();
    // 35 s: longer than a renewal period (half of 40 s) plus Bosun's check interval (2 s)
    String out = mesh.clientShell("end=$(($(date +%s) + 35)); while [ $(date +%s) -lt $end ]; do"
        + " r=$(curl -s -m 5 -w ' %{http_code}' http://reviews:9080/);"
        + " case \"$r\" in *unavailable*) echo upstream-failed;; *) echo \"${r##* }\";; esac; sleep 0.05; done");
    Map<String, String> after = workloadCerts(admin("reviews-v1-", "/certs"));
    long handshakes = reviewsHandshakes() - handshakesBefore;
    Map<String, Integer> codes = MeshScenarios.tally(out);
    MeshScenarios.report("certificate rotation under steady traffic", codes);
    System.out.printf("[certificate rotation] reviews-v1's certificate before %s, after %s; %d handshakes at"
        + " reviews%n", before, after, handshakes);
    assertThat(codes.keySet()).as("every request answered 200").containsExactly("200");
    assertThat(codes.get("200")).isGreaterThan(100);
    assertThat(handshakes).as("a handshake per request").isGreaterThanOrEqualTo(codes.get("200"));
    assertThat(before).isNotEmpty();
    assertThat(after).isNotEmpty();
    assertThat(after.keySet()).as("new serial numbers").doesNotContainAnyElementsOf(before.keySet());
    assertThat(after.values().stream().sorted().findFirst().orElseThrow())
        .as("valid longer").isGreaterThan(before.values().stream().sorted().reduce((a, b) -> b).orElseThrow());
  }

  // --- helpers ---

  static void apply(String yaml) {
    MeshScenarios.apply(k, yaml);
  }

  static ResourceDefinitionContext security(String kind) {
    return new ResourceDefinitionContext.Builder().withGroup("security.istio.io").withVersion("v1").withKind(kind)
        .withPlural(SECURITY_KINDS.get(kind)).withNamespaced(true).build();
  }

  /** A PeerAuthentication in bookinfo; {@code app} "" for the namespace's, {@code mtls} its mtls field onwards. */
  static String peerAuthentication(String name, String app, String mtls) {
    return """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: %s, namespace: bookinfo}
        spec:
          %smtls: %s
        """.formatted(name, app.isEmpty() ? "" : "selector: {matchLabels: {app: " + app + "}}\n  ", mtls);
  }

  /** An AuthorizationPolicy in bookinfo for the pods of {@code app}. */
  static String authorization(String name, String app, String action, String rules) {
    return """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: %s, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: %s}}
          action: %s
          rules: %s
        """.formatted(name, app, action, rules);
  }

  static String bearer(String token) {
    return "Authorization: Bearer " + token;
  }

  /**
   * Sidecar to sidecar: client -> reviews (-> ratings for v2 and v3) served. Under STRICT every
   * call is mutual TLS (after the drain period of connections opened before); under PERMISSIVE a
   * sidecar may go on using a plaintext connection it opened while mutual TLS was off, as Envoy
   * keeps pooled connections.
   */
  static void assertMeshedCallsWork(boolean strict) {
    if (strict) {
      await("only mutual TLS at reviews").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(steady(() -> xfcc(curl("http://reviews:9080/?headers=1")).contains("URI=" + SPIFFE + "default")));
    }
    for (int i = 0; i < 10; i++) {
      String answer = curl("http://reviews:9080/?headers=1");
      assertThat(answer).startsWith("reviews v").doesNotContain("unavailable");
      if (strict) {
        assertThat(xfcc(answer)).as(answer).contains("URI=" + SPIFFE + "default");
      }
      assertThat(status("client-", RATINGS)).isEqualTo("200");
    }
  }

  /** The x-forwarded-client-cert the app saw (its {@code ?headers=1} lines), or "" when it saw none. */
  static String xfcc(String answer) {
    return answer.lines().filter(l -> l.startsWith("x-forwarded-client-cert: ")).findFirst()
        .map(l -> l.substring("x-forwarded-client-cert: ".length())).orElse("");
  }

  /** {@code curl -s -m 10 ARGS...} from the client pod. */
  static String curl(String... args) {
    return curlFrom(NS, "client-", args);
  }

  /** {@code curl -s -m 10 ARGS...} from the first pod in {@code ns} whose name starts with {@code pod}. */
  static String curlFrom(String ns, String pod, String... args) {
    StringBuilder script = new StringBuilder("curl -s -m 10");
    for (String a : args) {
      script.append(' ').append(MeshScenarios.quote(a));
    }
    return MeshNetwork.sh(false, "ip", "netns", "exec", netns(ns, pod), "sh", "-c", script.toString());
  }

  /** The status code of a GET from a bookinfo pod ("000": no HTTP answer). */
  static String status(String pod, String url, String... headers) {
    List<String> args = new ArrayList<>(List.of("-o", "/dev/null", "-w", "%{http_code}"));
    for (String h : headers) {
      args.add("-H");
      args.add(h);
    }
    args.add(url);
    return curlFrom(NS, pod, args.toArray(String[]::new));
  }

  /** The status code of a plaintext GET from the unmeshed pod to a bookinfo pod's IP, port 9080. */
  static String plain(String pod) {
    return curlFrom(OUTSIDE, "plain-", "-o", "/dev/null", "-w", "%{http_code}",
        "http://" + mesh.runner.podsWithPrefix(NS, pod).get(0).ip() + ":9080/");
  }

  static String netns(String ns, String pod) {
    return mesh.runner.podsWithPrefix(ns, pod).get(0).netns();
  }

  /** {@code GET path} from the Envoy admin API of the first bookinfo pod whose name starts with {@code pod}. */
  static String admin(String pod, String path) {
    return MeshNetwork.sh(false, "ip", "netns", "exec", netns(NS, pod), "curl", "-s", "-m", "5",
        "127.0.0.1:15000" + path);
  }

  /** The client sidecar's active cluster {@code name}, as compact JSON ("" when it has none). */
  static String clientCluster(String name) throws JsonProcessingException {
    String dump = admin("client-", "/config_dump?resource=dynamic_active_clusters");
    for (JsonNode c : JSON.readTree(dump).path("configs")) {
      if (c.path("cluster").path("name").asText().equals(name)) {
        return c.path("cluster").toString();
      }
    }
    return "";
  }

  /** The value of counter {@code name} in an admin {@code /stats} answer (0 when absent). */
  static long stat(String stats, String name) {
    return stats.lines().filter(l -> l.startsWith(name + ": "))
        .mapToLong(l -> Long.parseLong(l.substring(name.length() + 2).trim())).sum();
  }

  /** TLS handshakes the three reviews pods' inbound listeners completed. */
  static long reviewsHandshakes() {
    long n = 0;
    for (String v : List.of("v1", "v2", "v3")) {
      n += stat(admin("reviews-" + v + "-", "/stats?filter=ssl.handshake"), INBOUND_HANDSHAKES);
    }
    return n;
  }

  /** The SPIFFE certificates in an admin {@code /certs} answer: serial number to expiration time. */
  static Map<String, String> workloadCerts(String certs) {
    Map<String, String> out = new TreeMap<>();
    try {
      for (JsonNode context : JSON.readTree(certs).path("certificates")) {
        for (JsonNode cert : context.path("cert_chain")) {
          if (cert.path("subject_alt_names").toString().contains("spiffe://")) {
            out.put(cert.path("serial_number").asText(), cert.path("expiration_time").asText());
          }
        }
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not JSON: " + certs, e);
    }
    return out;
  }
}
