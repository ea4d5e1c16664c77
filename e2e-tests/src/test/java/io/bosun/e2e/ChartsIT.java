package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bosun.config.ConfigParser;
import io.bosun.e2e.cluster.K8sBinaries;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.inject.InjectionConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm charts: {@code helm lint --strict}, what they render, and {@code helm install} /
 * {@code upgrade} into a real API server (CRDs kept on uninstall, webhooks fail-closed).
 */
@WithRealCluster
class ChartsIT {
  static final Path CHARTS = K8sBinaries.repoRoot().resolve("charts");
  private static final String SERVICE_MONITOR = "ServiceMonitor";
  private static final String SERVICE_MONITOR_API = "monitoring.coreos.com/v1/" + SERVICE_MONITOR;
  static KubernetesClient k;
  static RealCluster cluster;

  @BeforeAll
  static void start(RealCluster c) {
    cluster = c;
    k = c.client();
  }

  static String helm(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(K8sBinaries.require("helm").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("helm " + String.join(" ", args) + " failed:\n" + out);
    }
    return out;
  }

  static List<HasMetadata> render(String chart, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("template", "t", CHARTS.resolve(chart).toString(), "-n", "istio-system",
        "--kube-version", "1.33.0"));
    args.addAll(List.of(extra));
    String yaml = helm(args.toArray(String[]::new));
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : yaml.split("\n---\n")) {
      if (doc.contains("kind:")) {
        out.add(new KubernetesSerialization().unmarshal(doc));
      }
    }
    return out;
  }

  static <T> T one(List<HasMetadata> objs, Class<T> type, String name) {
    return objs.stream().filter(type::isInstance).filter(o -> o.getMetadata().getName().equals(name)).map(type::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  @Test
  void everyChartLintsStrictly() throws Exception {
    for (String chart : List.of("bosun-base", "bosun", "bosun-gateway")) {
      assertThat(helm("lint", "--strict", CHARTS.resolve(chart).toString())).contains("0 chart(s) failed");
    }
    assertThatThrownBy(() -> render("bosun", "--set", "webhooks.failurePolicy=Sometimes"))
        .as("values.schema.json is enforced").hasMessageContaining("failurePolicy");
  }

  @Test
  void loggingValuesBecomeBosunsLogFlags() throws Exception {
    List<String> defaults = one(render("bosun"), Deployment.class, "bosun").getSpec().getTemplate().getSpec()
        .getContainers().get(0).getArgs();
    assertThat(defaults).contains("--log-format=text").noneMatch(a -> a.startsWith("--log-level"));
    List<String> json = one(render("bosun", "--set", "logging.format=json", "--set",
        "logging.level=io.bosun.push=debug\\,io.bosun=info"), Deployment.class, "bosun").getSpec().getTemplate()
        .getSpec().getContainers().get(0).getArgs();
    assertThat(json).contains("--log-format=json", "--log-level=io.bosun.push=debug,io.bosun=info");
    assertThatThrownBy(() -> render("bosun", "--set", "logging.format=xml"))
        .as("values.schema.json is enforced").hasMessageContaining("logging.format");
  }

  @Test
  void theControlPlaneChartRendersWhatBosunReads() throws Exception {
    List<HasMetadata> objs = render("bosun");
    Deployment d = one(objs, Deployment.class, "bosun");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains("kube",
        "--xds-plaintext=false", "--xds-tls-port=15012", "--webhook-port=15017", "--token-audiences=istio-ca",
        "--workload-cert-ttl=24h");
    // plaintext xDS is off unless the operator says the network is trusted
    assertThat(one(objs, Service.class, "bosun").getSpec().getPorts())
        .extracting(p -> p.getPort() + "->" + p.getTargetPort().getIntVal())
        .containsExactly("15012->15012", "443->15017", "15014->15014");
    List<HasMetadata> plaintext = render("bosun", "--set", "xds.plaintext=true");
    assertThat(one(plaintext, Service.class, "bosun").getSpec().getPorts())
        .extracting(p -> p.getPort() + "->" + p.getTargetPort().getIntVal()).contains("15010->15010");
    assertThat(InjectionConfig.parse(one(plaintext, ConfigMap.class, "bosun-sidecar-injector").getData()
        .get("config")).xdsAuth()).isEqualTo("none");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("sidecar.istio.io/inject", "false");
    for (var w : one(objs, MutatingWebhookConfiguration.class, "bosun-sidecar-injector").getWebhooks()) {
      assertThat(w.getFailurePolicy()).isEqualTo("Fail");
      assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/inject");
    }
    assertThat(one(objs, ValidatingWebhookConfiguration.class, "bosun-validator").getWebhooks().get(0)
        .getFailurePolicy()).isEqualTo("Fail");
    ClusterRole role = one(objs, ClusterRole.class, "bosun-istio-system");
    assertThat(role.getRules()).anySatisfy(r -> assertThat(r.getResources()).contains("secrets"));
    // proxies' tokens are reviewed and their access to Secrets asked of RBAC
    assertThat(role.getRules()).anySatisfy(r -> assertThat(r.getResources()).containsExactly("tokenreviews"));
    assertThat(role.getRules()).anySatisfy(r -> assertThat(r.getResources())
        .containsExactly("subjectaccessreviews"));
    assertThat(role.getRules()).noneSatisfy(r -> assertThat(r.getVerbs()).contains("*"));
    ConfigMap injector = one(objs, ConfigMap.class, "bosun-sidecar-injector");
    InjectionConfig config = InjectionConfig.parse(injector.getData().get("config"));
    assertThat(config.discoveryAddress()).isEqualTo("bosun.istio-system.svc:15012");
    assertThat(config.xdsAuth()).isEqualTo("token");
    assertThat(config.initImage()).isEqualTo("ghcr.io/bosun-mesh/bosun:0.1.0");
    ConfigMap mesh = one(objs, ConfigMap.class, "istio");
    var parsed = new ConfigParser().parse("chart", new KubernetesSerialization().asYaml(mesh));
    assertThat(parsed.conversions()).singleElement().satisfies(c -> assertThat(c.errors()).isEmpty());
    assertThat(render("bosun", "--set", "autoscaling.enabled=true")).anyMatch(o -> o.getKind()
        .equals("HorizontalPodAutoscaler"));
  }

  @Test
  void theServiceMonitorIsRenderedOnlyWhereTheClusterServesItsKind() throws Exception {
    String enabled = "monitoring.serviceMonitor.enabled=true";
    assertThat(render("bosun", "--set", enabled)).as("no ServiceMonitor kind served")
        .noneMatch(o -> o.getKind().equals(SERVICE_MONITOR));
    assertThat(render("bosun", "--api-versions", SERVICE_MONITOR_API)).as("served, but not enabled")
        .noneMatch(o -> o.getKind().equals(SERVICE_MONITOR));
    List<HasMetadata> objs = render("bosun", "--set", enabled, "--set", "monitoring.serviceMonitor.labels.release=prom",
        "--set", "monitoring.serviceMonitor.interval=15s", "--api-versions", SERVICE_MONITOR_API);
    GenericKubernetesResource monitor = one(objs, GenericKubernetesResource.class, "bosun");
    assertThat(monitor.getKind()).isEqualTo(SERVICE_MONITOR);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getNamespace()).isEqualTo("istio-system");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prom")
        .containsEntry("app.kubernetes.io/name", "bosun");
    Service service = one(objs, Service.class, "bosun");
    // it selects the Service by labels the Service has, and scrapes its monitoring port by name
    Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
    assertThat(selector).isNotEmpty();
    assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector);
    List<String> namespaces = monitor.get("spec", "namespaceSelector", "matchNames");
    assertThat(namespaces).containsExactly("istio-system");
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(e -> {
      assertThat(e).containsEntry("path", "/metrics").containsEntry("interval", "15s");
      assertThat(service.getSpec().getPorts()).filteredOn(p -> p.getName().equals(e.get("port")))
          .singleElement().satisfies(p -> assertThat(p.getTargetPort().getIntVal()).isEqualTo(15014));
    });
  }

  @Test
  void helmCreatesTheServiceMonitorOnceTheApiServerServesItsCrd() throws Exception {
    String kubeconfig = cluster.kubeconfigPath().toString();
    // the Prometheus Operator's kind, with an open schema: only that the API server serves it matters here
    k.resource("""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: servicemonitors.monitoring.coreos.com}
        spec:
          group: monitoring.coreos.com
          scope: Namespaced
          names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """).create();
    try {
      await("ServiceMonitors served").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> k.genericKubernetesResources("monitoring.coreos.com/v1", SERVICE_MONITOR)
              .inNamespace("istio-system").list() != null);
      helm("install", "bosun-monitored", CHARTS.resolve("bosun").toString(), "-n", "monitored", "--create-namespace",
          "--set", "monitoring.serviceMonitor.enabled=true", "--kubeconfig", kubeconfig);
      try {
        GenericKubernetesResource monitor = k.genericKubernetesResources("monitoring.coreos.com/v1", SERVICE_MONITOR)
            .inNamespace("monitored").withName("bosun").get();
        assertThat(monitor).as("the ServiceMonitor helm created").isNotNull();
        assertThat(monitor.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "bosun-monitored");
      } finally {
        helm("uninstall", "bosun-monitored", "-n", "monitored", "--kubeconfig", kubeconfig);
      }
    } finally {
      k.apiextensions().v1().customResourceDefinitions().withName("servicemonitors.monitoring.coreos.com").delete();
    }
  }

  @Test
  void theGatewayChartsBootstrapIsAcceptedByEnvoyAndNamesARouter() throws Exception {
    Deployment d = one(render("bosun-gateway"), Deployment.class, "t");
    List<String> args = d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
    String bootstrap = args.get(args.indexOf("--config-yaml") + 1).replace("$(POD_IP)", "10.0.0.9")
        .replace("$(POD_NAME)", "t-1").replace("$(POD_NAMESPACE)", "istio-system")
        .replace("$(SERVICE_ACCOUNT)", "t");
    assertThat(bootstrap).contains("id: router~10.0.0.9~t-1.istio-system~istio-system.svc.cluster.local",
        "istio: ingressgateway", "target_uri: bosun.istio-system.svc:15012");
    // the token and the roots are files the pod mounts; Envoy checks they exist
    Path dir = Files.createTempDirectory("gateway-mounts");
    Path token = Files.writeString(dir.resolve("istio-token"), "token");
    Path roots = Files.writeString(dir.resolve("root-cert.pem"), "roots");
    assertThat(bootstrap).contains("/var/run/secrets/tokens/istio-token", "/var/run/secrets/istio/root-cert.pem");
    bootstrap = bootstrap.replace("/var/run/secrets/tokens/istio-token", token.toString())
        .replace("/var/run/secrets/istio/root-cert.pem", roots.toString());
    assertThat(EnvoyProcess.validate(EnvoyBinary.require(), bootstrap)).contains("OK");
  }

  @Test
  void installUpgradeAndUninstallOnARealApiServer() throws Exception {
    String kubeconfig = cluster.kubeconfigPath().toString();
    helm("install", "bosun-base", CHARTS.resolve("bosun-base").toString(), "--kubeconfig", kubeconfig);
    var crd = k.apiextensions().v1().customResourceDefinitions().withName("virtualservices.networking.istio.io").get();
    assertThat(crd.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    helm("upgrade", "bosun-base", CHARTS.resolve("bosun-base").toString(), "--kubeconfig", kubeconfig);
    helm("install", "bosun", CHARTS.resolve("bosun").toString(), "-n", "istio-system", "--create-namespace",
        "--kubeconfig", kubeconfig);
    assertThat(k.apps().deployments().inNamespace("istio-system").withName("bosun").get()).isNotNull();
    assertThat(k.admissionRegistration().v1().validatingWebhookConfigurations().withName("bosun-validator").get())
        .isNotNull();
    // Bosun is not running here, so the fail-closed validator refuses Istio config instead of letting it through
    assertThatThrownBy(() -> Manifests.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: unchecked, namespace: default}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}
        """)).isInstanceOf(KubernetesClientException.class).hasMessageContaining("validation.bosun.io");
    helm("uninstall", "bosun", "-n", "istio-system", "--kubeconfig", kubeconfig);
    helm("uninstall", "bosun-base", "--kubeconfig", kubeconfig);
    assertThat(k.apiextensions().v1().customResourceDefinitions().withName("virtualservices.networking.istio.io")
        .get()).as("CRDs (and users' config) survive uninstall").isNotNull();
  }
}
