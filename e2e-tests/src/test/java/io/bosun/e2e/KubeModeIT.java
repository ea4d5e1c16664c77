package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.runtime.KubeBosun;
import io.fabric8.istio.api.api.meta.v1alpha1.IstioCondition;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.Gateway;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Kubernetes mode on a real API server: Istio objects and Services/EndpointSlices created,
 * changed and deleted through the API change what a real Envoy gateway routes.
 */
@WithRealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeModeIT {
  static final Duration WITHIN = Duration.ofSeconds(2);
  static EchoServer v1;
  static EchoServer v2;
  static EchoServer ratings;
  static KubeBosun bosun;
  static EnvoyProcess gateway;
  static int port;
  static KubernetesClient k;

  @BeforeAll
  static void start(RealCluster cluster) throws Exception {
    k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "istio-system");
    Crds.ensureNamespace(k, "shop");
    v1 = new EchoServer("reviews", "v1", 0);
    v2 = new EchoServer("reviews", "v2", 0);
    ratings = new EchoServer("ratings", "v1", 0);
    port = Ports.freePort();
    bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
        KubeBosun.Options.local("bosun-it"));
    await("Bosun ready (informers synced)").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(bosun::ready);
    gateway = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
            "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local")
        .namespace("istio-system").labels(Map.of("istio", "ingressgateway"))
        .xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()));
    apply(Manifests.reviews("shop", v1.port(), v2.port()) + "---\n" + Manifests.gateway("shop", port));
    gateway.waitReady(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {gateway, bosun, v1, v2, ratings}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing
      }
    }
  }

  static void apply(String yaml) {
    Manifests.apply(k, yaml);
  }

  static String reviewsVs(String subset) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: shop}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http:
          - match: [{uri: {prefix: /reviews}}]
            route: [{destination: {host: reviews, subset: %s}}]
        """.formatted(subset);
  }

  @Test
  @Order(1)
  void creatingAndUpdatingAVirtualServiceRoutesWithinTwoSeconds() {
    apply(reviewsVs("v1"));
    await("/reviews on v1").atMost(WITHIN).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v1\n"));
    apply(reviewsVs("v2"));
    await("/reviews on v2").atMost(WITHIN).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v2\n"));
  }

  @Test
  @Order(2)
  void servicesAndEndpointSlicesReachEnvoyAsEndpoints() {
    // The API server refuses loopback endpoint addresses, so this endpoint is a pod-range IP
    // that nothing routes; the test reads Envoy's cluster table and never sends it traffic.
    String cluster = "outbound|9080||ratings.shop.svc.cluster.local";
    String endpoint = "10.214.0.77:" + ratings.port();
    k.resource(new ServiceBuilder().withNewMetadata().withName("ratings").withNamespace("shop").endMetadata()
        .withNewSpec().withClusterIP("10.213.0.50").addNewPort().withName("http").withPort(9080).endPort().endSpec()
        .build()).serverSideApply();
    await("Envoy has the cluster").atMost(WITHIN).ignoreExceptions().until(() -> gateway.adminGet("/clusters")
        .contains(cluster + "::"));
    k.resource(new EndpointSliceBuilder().withNewMetadata().withName("ratings-1").withNamespace("shop")
        .addToLabels("kubernetes.io/service-name", "ratings").endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("http").withPort(ratings.port()).endPort()
        .addNewEndpoint().withAddresses("10.214.0.77").withNewConditions().withReady(true).endConditions().endEndpoint()
        .addNewEndpoint().withAddresses("10.214.0.78").withNewConditions().withReady(false).endConditions()
            .endEndpoint()
        .build()).serverSideApply();
    await("Envoy has the ready endpoint").atMost(WITHIN).ignoreExceptions().until(() -> gateway.adminGet("/clusters")
        .contains(cluster + "::" + endpoint));
    assertThat(gateway.adminGet("/clusters")).as("not-ready endpoints get no traffic").doesNotContain("10.214.0.78");

    k.resources(EndpointSlice.class).inNamespace("shop")
        .withName("ratings-1").delete();
    await("the endpoint is gone").atMost(WITHIN).ignoreExceptions().until(() -> !gateway.adminGet("/clusters")
        .contains(endpoint));
    k.resources(Service.class).inNamespace("shop").withName("ratings").delete();
    await("the cluster is gone").atMost(WITHIN).ignoreExceptions().until(() -> !gateway.adminGet("/clusters")
        .contains(cluster + "::"));
  }

  @Test
  @Order(3)
  void anInvalidVirtualServiceGetsStatusAndAWarningAndOthersKeepRouting() {
    apply(reviewsVs("v1").replace("prefix: /reviews", "regex: \"/reviews(\""));
    await("Reconciled=False on the VirtualService").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      var vs = k.resources(VirtualService.class).inNamespace("shop").withName("reviews").get();
      return vs.getStatus() != null && vs.getStatus().getConditions() != null && vs.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Reconciled") && c.getStatus().equals("False")
              && c.getMessage().contains("spec.http[0].match[0].uri.regex")
              && c.getObservedGeneration().equals(vs.getMetadata().getGeneration()));
    });
    await("a Warning event").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> k.v1().events()
        .inNamespace("shop").list().getItems().stream()
        .anyMatch(e -> "Warning".equals(e.getType()) && "reviews".equals(e.getInvolvedObject().getName())
            && e.getMessage().contains("uri.regex")));
    assertThat(Http.body(port, "/reviews")).as("last valid version keeps serving").isEqualTo("reviews v2\n");

    var ok = k.resources(DestinationRule.class).inNamespace("shop")
        .withName("reviews").get();
    await("Reconciled=True on a valid resource").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      var dr = k.resources(DestinationRule.class).inNamespace("shop")
          .withName("reviews").get();
      return dr.getStatus() != null && dr.getStatus().getConditions() != null && dr.getStatus().getConditions()
          .stream().anyMatch(c -> c.getType().equals("Reconciled") && c.getStatus().equals("True"));
    });
    assertThat(ok).isNotNull();
  }

  /** The Sidecar kind is watched (v1 on the real API server) and validated, with its status, like the others. */
  @Test
  @Order(3)
  void aSidecarIsValidatedWithStatus() {
    apply("""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: scoped, namespace: shop}
        spec:
          workloadSelector: {labels: {app: nobody}}
          egress: [{hosts: ["reviews.shop.svc.cluster.local"]}]
        """);
    await("Reconciled=False on the Sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        sidecarCondition("False", "spec.egress[0].hosts[0]: must be namespace/dnsName"));
    apply("""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: scoped, namespace: shop}
        spec:
          workloadSelector: {labels: {app: nobody}}
          egress: [{hosts: ["./reviews.shop.svc.cluster.local"]}]
        """);
    await("Reconciled=True on the fixed Sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        sidecarCondition("True", ""));
    k.resources(Sidecar.class).inNamespace("shop").withName("scoped").delete();
  }

  /** security.istio.io kinds too: an AuthorizationPolicy (v1) is validated, with its status. */
  @Test
  @Order(3)
  void anAuthorizationPolicyIsValidatedWithStatus() {
    String policy = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-some, namespace: shop}
        spec:
          action: DENY
        """;
    apply(policy);
    await("Reconciled=False on the AuthorizationPolicy").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        policyCondition("False", "spec.rules: DENY without rules never applies"));
    apply(policy + "  rules: [{to: [{operation: {paths: [/admin]}}]}]\n");
    await("Reconciled=True on the fixed policy").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        policyCondition("True", ""));
    k.genericKubernetesResources("security.istio.io/v1", "AuthorizationPolicy").inNamespace("shop")
        .withName("deny-some").delete();
  }

  private static boolean policyCondition(String status, String message) {
    GenericKubernetesResource p = k.genericKubernetesResources("security.istio.io/v1", "AuthorizationPolicy")
        .inNamespace("shop").withName("deny-some").get();
    Object conditions = p.getAdditionalProperties().get("status") instanceof Map<?, ?> st ? st.get("conditions")
        : null;
    return conditions instanceof List<?> list && list.stream().anyMatch(c -> c instanceof Map<?, ?> m
        && "Reconciled".equals(m.get("type")) && status.equals(m.get("status"))
        && String.valueOf(m.get("message")).contains(message)
        && String.valueOf(m.get("observedGeneration")).equals(String.valueOf(p.getMetadata().getGeneration())));
  }

  private static boolean sidecarCondition(String status, String message) {
    Sidecar sc = k.resources(Sidecar.class).inNamespace("shop").withName("scoped").get();
    return sc.getStatus() != null && sc.getStatus().getConditions() != null && sc.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Reconciled") && c.getStatus().equals(status)
            && c.getMessage().contains(message) && c.getObservedGeneration().equals(sc.getMetadata().getGeneration()));
  }

  /**
   * Status is a server-side apply as field manager {@code bosun}: another controller's condition
   * on the same object survives Bosun's writes, and Reconciled's lastTransitionTime moves only when
   * its status does, not on every write.
   */
  @Test
  void statusIsAppliedAsBosunKeepingOtherWritersConditionsAndTheTransitionTime() {
    String dr = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: status-probe, namespace: shop}
        spec:
          host: status-probe.shop.svc.cluster.local
          trafficPolicy: {loadBalancer: {simple: %s}}
        """;
    apply(dr.formatted("ROUND_ROBIN"));
    await("Reconciled=True for generation 1").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> reconciled("status-probe").getObservedGeneration() == 1L);
    String since = reconciled("status-probe").getLastTransitionTime();
    // another controller writes its own condition, as its own field manager
    k.resources(DestinationRule.class).inNamespace("shop").withName("status-probe").subresource("status")
        .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager("other")
            .withForce(true).build(), """
            {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
             "metadata": {"name": "status-probe", "namespace": "shop"},
             "status": {"conditions": [{"type": "OtherReady", "status": "True", "reason": "Probe"}]}}
            """);
    apply(dr.formatted("LEAST_REQUEST"));
    await("Reconciled=True for generation 2").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> reconciled("status-probe").getObservedGeneration() == 2L);
    DestinationRule after = k.resources(DestinationRule.class).inNamespace("shop").withName("status-probe").get();
    assertThat(after.getStatus().getConditions()).extracting(c -> c.getType())
        .as("the other writer's condition kept").contains("OtherReady", "Reconciled");
    assertThat(reconciled("status-probe").getLastTransitionTime()).as("still True: the transition time stays")
        .isEqualTo(since);
    assertThat(after.getMetadata().getManagedFields()).anyMatch(f -> "bosun".equals(f.getManager())
        && "status".equals(f.getSubresource()) && "Apply".equals(f.getOperation()));
    k.resources(DestinationRule.class).inNamespace("shop").withName("status-probe").delete();
  }

  private IstioCondition reconciled(String name) {
    return k.resources(DestinationRule.class).inNamespace("shop").withName(name).get().getStatus().getConditions()
        .stream().filter(c -> c.getType().equals("Reconciled")).findFirst().orElseThrow();
  }

  @Test
  @Order(4)
  void destinationRuleServiceEntryAndGatewayChangesReroute() {
    apply(reviewsVs("v2"));
    await("/reviews on v2").atMost(WITHIN).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v2\n"));
    // DestinationRule: subset v2 now selects the v1 endpoint
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: shop}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v1}}]
        """);
    await("DR change: subset v2 serves v1").atMost(WITHIN).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v1\n"));
    // ServiceEntry: the v1-labelled endpoint moves to the other backend's port
    apply("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: shop}
        spec:
          hosts: [reviews.shop.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 9080, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: %d}, labels: {version: v1}}
        """.formatted(v2.port()));
    await("SE change: endpoint moved").atMost(WITHIN).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v2\n"));
    // Gateway: deleting it removes the listener, re-creating it brings it back
    k.resources(Gateway.class).inNamespace("shop").withName("gw").delete();
    await("no listener without the Gateway").atMost(WITHIN).ignoreExceptions().until(() -> Http.get(port, "/reviews",
        Map.of()).status() == -1);
    apply(Manifests.gateway("shop", port));
    await("listener back").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> Http.body(port, "/reviews")
        .equals("reviews v2\n"));
    assertThat(gateway.statsMatching(".*update_rejected$").values()).allMatch(v -> v == 0);
  }

  @Test
  @Order(5)
  void deletingTheVirtualServiceRemovesItsRoutes() {
    k.resources(VirtualService.class).inNamespace("shop").withName("reviews").delete();
    await("/reviews has no route: 404").atMost(WITHIN).ignoreExceptions().until(() -> Http.get(port, "/reviews",
        Map.of()).status() == 404);
  }

  /** The mesh config comes from the ConfigMap istio in Bosun's namespace, and follows its edits. */
  @Test
  @Order(6)
  void theMeshConfigMapSetsTheDefaultRetryPolicy() {
    apply(reviewsVs("v1"));
    await("/reviews routed again").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> Http.get(port,
        "/reviews", Map.of()).status() == 200);
    apply("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
            defaultHttpRetryPolicy: {attempts: 4, retryOn: 5xx}
        """);
    await("the mesh default retry policy (4 retries on 5xx)").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> {
          long before = v1.requests() + v2.requests();
          Http.get(port, "/reviews?status=500", Map.of());
          return v1.requests() + v2.requests() - before == 5;
        });
    apply("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
            defaultHttpRetryPolicy: {attempts: 0}
        """);
    await("retries turned off mesh-wide").atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      long before = v1.requests() + v2.requests();
      Http.get(port, "/reviews?status=500", Map.of());
      return v1.requests() + v2.requests() - before == 1;
    });
  }
}
