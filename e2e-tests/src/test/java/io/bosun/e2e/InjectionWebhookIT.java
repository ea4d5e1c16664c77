package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.Ports;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.inject.KubeInject;
import io.bosun.runtime.KubeBosun;
import io.bosun.webhook.AdmissionWebhooks;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admission webhooks as a real kube-apiserver calls them: Bosun creates the webhook
 * certificate and patches caBundle into the two configurations (registered fail-closed), pods in
 * a labelled namespace get the sidecar, others do not, nothing is injected twice, a Deployment
 * shaped as Istio's gateway chart renders it gets the gateway proxy in the pods its ReplicaSet
 * creates, and invalid Istio config is refused with Bosun's message.
 */
@WithRealCluster(controllers = true)
class InjectionWebhookIT {
  static KubernetesClient k;
  static KubeBosun bosun;
  static int port;

  @BeforeAll
  static void start(RealCluster cluster) throws Exception {
    k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "istio-system");
    port = Ports.freePort();
    // URL webhooks: the API server reaches Bosun on loopback, no Service needed in this cluster
    Manifests.apply(k, """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: bosun-sidecar-injector}
        webhooks:
        - name: sidecar-injector.bosun.io
          clientConfig: {url: "https://127.0.0.1:%1$d/inject"}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
          failurePolicy: Fail
          sideEffects: None
          admissionReviewVersions: [v1]
          timeoutSeconds: 10
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata: {name: bosun-validator}
        webhooks:
        - name: validation.bosun.io
          clientConfig: {url: "https://127.0.0.1:%1$d/validate"}
          rules:
          - operations: [CREATE, UPDATE]
            apiGroups: [networking.istio.io]
            apiVersions: ["*"]
            resources: [virtualservices, destinationrules, gateways, serviceentries]
          failurePolicy: Fail
          sideEffects: None
          admissionReviewVersions: [v1]
          timeoutSeconds: 10
        """.formatted(port));
    bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
        KubeBosun.Options.local("webhook-it").withWebhooks(AdmissionWebhooks.Settings.defaults()
            .withAddress("127.0.0.1", port)));
    await("caBundle on both webhook configurations").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
        k.admissionRegistration().v1().mutatingWebhookConfigurations().withName("bosun-sidecar-injector").get()
            .getWebhooks().get(0).getClientConfig().getCaBundle() != null
        && k.admissionRegistration().v1().validatingWebhookConfigurations().withName("bosun-validator").get()
            .getWebhooks().get(0).getClientConfig().getCaBundle() != null);
    namespace("mesh", Map.of("istio-injection", "enabled"));
    namespace("plain", Map.of());
  }

  @AfterAll
  static void stop() {
    if (bosun != null) {
      bosun.close();
    }
  }

  static void namespace(String name, Map<String, String> labels) {
    k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .build()).createOr(op -> op.update());
    // the webhook reads namespace labels from its informer: wait until it has seen them
    await("namespace " + name).atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> k.namespaces()
        .withName(name).get() != null);
    sleep(500);
  }

  static Pod create(String ns, String name, Map<String, String> labels) {
    return k.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withLabels(labels)
        .endMetadata().withNewSpec().addNewContainer().withName("app").withImage("example/app:1").endContainer()
        .endSpec().build()).create();
  }

  static List<String> sidecars(Pod p) {
    return Stream.concat(p.getSpec().getInitContainers().stream(), p.getSpec().getContainers().stream())
        .map(Container::getName).filter(n -> n.startsWith("istio-")).toList();
  }

  @Test
  void podsInALabelledNamespaceGetTheSidecarAndOthersFollowTheirLabels() {
    Pod injected = create("mesh", "web-1", Map.of("app", "web"));
    assertThat(sidecars(injected)).containsExactly("istio-init", "istio-proxy");
    Container proxy = injected.getSpec().getInitContainers().get(1);
    assertThat(proxy.getRestartPolicy()).as("native sidecar on 1.29+").isEqualTo("Always");
    assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    assertThat(injected.getMetadata().getAnnotations()).containsKey("sidecar.istio.io/status");
    assertThat(injected.getMetadata().getLabels()).containsEntry("security.istio.io/tlsMode", "istio");

    assertThat(sidecars(create("plain", "web-2", Map.of("app", "web")))).as("unlabelled namespace").isEmpty();
    assertThat(sidecars(create("mesh", "web-3", Map.of("app", "web", "sidecar.istio.io/inject", "false"))))
        .as("opted out").isEmpty();
    assertThat(sidecars(create("plain", "web-4", Map.of("app", "web", "sidecar.istio.io/inject", "true"))))
        .as("opted in").containsExactly("istio-init", "istio-proxy");
  }

  @Test
  void anAlreadyInjectedPodIsNotInjectedTwice() {
    Pod first = create("mesh", "twice-1", Map.of("app", "twice"));
    Pod again = new KubernetesSerialization().clone(first);
    again.getMetadata().setName("twice-2");
    again.getMetadata().setResourceVersion(null);
    again.getMetadata().setUid(null);
    again.getMetadata().setCreationTimestamp(null);
    again.setStatus(null);
    Pod created = k.pods().inNamespace("mesh").resource(again).create();
    assertThat(sidecars(created)).containsExactly("istio-init", "istio-proxy");
  }

  @Test
  void kubeInjectGivesWhatTheWebhookGave() throws Exception {
    Pod viaWebhook = create("mesh", "same-1", Map.of("app", "same", "version", "v1"));
    String manifest = """
        apiVersion: v1
        kind: Pod
        metadata: {name: same-1, namespace: mesh, labels: {app: same, version: v1}}
        spec: {containers: [{name: app, image: "example/app:1"}]}
        """;
    Pod offline = new KubernetesSerialization().unmarshal(
        new KubeInject(new Injector(InjectionConfig.defaults(), 33)).run(manifest), Pod.class);
    for (String name : List.of("istio-init", "istio-proxy")) {
      Container a = offline.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
          .orElseThrow();
      Container b = viaWebhook.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name))
          .findFirst().orElseThrow();
      assertThat(b.getArgs()).as(name + " args").isEqualTo(a.getArgs());
      assertThat(b.getImage()).isEqualTo(a.getImage());
      assertThat(b.getSecurityContext()).isEqualTo(a.getSecurityContext());
    }
    assertThat(viaWebhook.getMetadata().getAnnotations()).containsAllEntriesOf(offline.getMetadata().getAnnotations());
  }

  @Test
  void aDeploymentAsIstiosGatewayChartRendersItGetsTheGatewayProxy() throws Exception {
    namespace("istio-ingress", Map.of());
    // what `helm template` of Istio's manifests/charts/gateway gives with its default values
    Manifests.apply(k, """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: istio-ingressgateway, namespace: istio-ingress}
        spec:
          replicas: 1
          selector: {matchLabels: {app: istio-ingressgateway, istio: ingressgateway}}
          template:
            metadata:
              annotations:
                prometheus.io/port: "15020"
                prometheus.io/scrape: "true"
                prometheus.io/path: /stats/prometheus
                inject.istio.io/templates: gateway
                sidecar.istio.io/inject: "true"
              labels: {sidecar.istio.io/inject: "true", app: istio-ingressgateway, istio: ingressgateway}
            spec:
              securityContext:
                sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]
              containers:
              - name: istio-proxy
                image: auto
                securityContext:
                  capabilities: {drop: [ALL]}
                  allowPrivilegeEscalation: false
                  privileged: false
                  readOnlyRootFilesystem: true
                  runAsNonRoot: true
                ports: [{containerPort: 15090, protocol: TCP, name: http-envoy-prom}]
                resources:
                  requests: {cpu: 100m, memory: 128Mi}
                  limits: {cpu: 2000m, memory: 1024Mi}
        """);
    Pod gateway = await("the gateway's pod, created by its ReplicaSet").atMost(Duration.ofSeconds(60))
        .ignoreExceptions().until(() -> k.pods().inNamespace("istio-ingress").withLabel("istio", "ingressgateway")
            .list().getItems().stream().findFirst().orElse(null), p -> p != null);
    assertThat(gateway.getSpec().getInitContainers()).as("no interception").isEmpty();
    assertThat(gateway.getSpec().getContainers()).extracting(Container::getName).containsExactly("istio-proxy");
    Container proxy = gateway.getSpec().getContainers().get(0);
    assertThat(proxy.getImage()).as("image: auto filled in").isEqualTo(InjectionConfig.defaults().proxyImage());
    assertThat(proxy.getCommand()).containsExactly("envoy");
    String bootstrap = proxy.getArgs().get(proxy.getArgs().indexOf("--config-yaml") + 1);
    assertThat(bootstrap).as("Envoy node type router").contains("\"id\":\"router~$(POD_IP)~$(POD_NAME)");
    assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    assertThat(proxy.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(proxy.getResources().getLimits().get("cpu").getNumericalAmount()).as("the chart's resources")
        .isEqualByComparingTo("2");
    assertThat(gateway.getSpec().getSecurityContext().getSysctls()).extracting(s -> s.getName())
        .containsExactly("net.ipv4.ip_unprivileged_port_start");
    assertThat(gateway.getMetadata().getLabels()).doesNotContainKey("security.istio.io/tlsMode")
        .containsEntry("service.istio.io/canonical-name", "istio-ingressgateway");
    assertThat(gateway.getMetadata().getAnnotations()).containsEntry("prometheus.io/port", "15020")
        .containsKey("sidecar.istio.io/status");
  }

  @Test
  void aTemplateBosunDoesNotOfferLeavesThePodWithoutAProxy() {
    Pod grpc = k.pods().inNamespace("mesh").resource(new PodBuilder().withNewMetadata().withName("grpc-1")
        .withAnnotations(Map.of("inject.istio.io/templates", "grpc-agent")).endMetadata().withNewSpec()
        .addNewContainer().withName("app").withImage("example/app:1").endContainer().endSpec().build()).create();
    assertThat(sidecars(grpc)).isEmpty();
  }

  @Test
  void theApiServerRefusesInvalidIstioConfigWithBosunsMessageAndAcceptsTheSamples() throws Exception {
    assertThatThrownBy(() -> Manifests.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bad, namespace: mesh}
        spec:
          hosts: [a]
          http: [{match: [{uri: {regex: "/ratings("}}], route: [{destination: {host: a}}]}]
        """)).isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "VirtualService mesh/bad: spec.http[0].match[0].uri.regex: invalid RE2 regular expression");
    assertThat(Crds.applySamples(k)).isPositive();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
