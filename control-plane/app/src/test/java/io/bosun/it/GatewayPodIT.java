package io.bosun.it;

import static io.bosun.testing.InjectedProxy.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.testing.InjectedProxy;
import io.bosun.testing.PodNetns;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway pod as Istio's gateway chart deploys it ({@code inject.istio.io/templates: gateway}, its
 * own {@code istio-proxy} with {@code image: auto}), injected and then run as written in a network
 * namespace: the pod's sysctls, then the proxy's Envoy as the uid its securityContext names. It is a
 * router to Bosun, so it gets the Gateway's listener on port 80 (which uid 1337 may bind thanks to the
 * injected sysctl) and routes to the VirtualService's backend; the chart's Prometheus annotation
 * (port 15020) is answered.
 */
class GatewayPodIT {
  @TempDir
  static Path config;
  static PodNetns pod;
  static EchoServer web;
  static StandaloneBosun bosun;
  static Pod injected;

  @BeforeAll
  static void start() throws Exception {
    pod = PodNetns.create(79);
    pod.hosts(Map.of("bosun.istio-system.svc", pod.hostIp()));
    web = new EchoServer("web", "v1", pod.hostIp(), 0);
    Files.writeString(config.resolve("mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web, namespace: istio-ingress}
        spec:
          hosts: [web.example.internal]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 8000, protocol: HTTP}]
          endpoints: [{address: %s, ports: {http: %d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: ingress, namespace: istio-ingress}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: istio-ingress}
        spec:
          hosts: ["*"]
          gateways: [ingress]
          http: [{route: [{destination: {host: web.example.internal, port: {number: 8000}}}]}]
        """.formatted(pod.hostIp(), web.port()));
    bosun = StandaloneBosun.start(config, pod.hostIp(), 0, "127.0.0.1", 0);

    // standalone Bosun serves plaintext: the injection variant for a trusted network
    InjectionConfig cfg = InjectionConfig.parse("discoveryAddress: bosun.istio-system.svc:" + bosun.xdsPort()
        + "\nlogLevel: info\nxdsAuth: none");
    injected = new Injector(cfg, 33).inject(new PodBuilder().withNewMetadata().withName("istio-ingressgateway-1")
        .withNamespace("istio-ingress")
        .withLabels(Map.of("app", "istio-ingressgateway", "istio", "ingressgateway", "sidecar.istio.io/inject", "true"))
        .withAnnotations(Map.of("inject.istio.io/templates", "gateway", "prometheus.io/port", "15020"))
        .endMetadata().withNewSpec()
        .addNewContainer().withName("istio-proxy").withImage("auto")
          .withNewSecurityContext().withAllowPrivilegeEscalation(false).withRunAsNonRoot(true)
            .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer().endSpec().build());

    // what the kubelet does first: the pod's sysctls in its network namespace
    for (Sysctl s : injected.getSpec().getSecurityContext().getSysctls()) {
      pod.exec(true, "sysctl", "-w", s.getName() + "=" + s.getValue());
    }
    InjectedProxy.start(pod, injected.getSpec().getContainers().get(0),
        InjectedProxy.downward("istio-ingressgateway-1", "istio-ingress", pod.ip()));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {pod, bosun, web}) {
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
  void theInjectedGatewayServesTheGatewaysPortAndRoutesToTheBackend() {
    Container proxy = injected.getSpec().getContainers().get(0);
    assertThat(injected.getSpec().getInitContainers()).as("no interception").isEmpty();
    assertThat(proxy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
    HttpResponse<String> r = await("the Gateway's listener on 80").atMost(Duration.ofSeconds(20))
        .ignoreExceptions().until(() -> get("http://" + pod.ip() + ":80/hello"), x -> x.statusCode() == 200);
    assertThat(r.body()).startsWith("web v1");
  }

  @Test
  void theChartsPrometheusAnnotationIsAnswered() {
    assertThat(injected.getMetadata().getAnnotations()).containsEntry("prometheus.io/port", "15020");
    HttpResponse<String> stats = get("http://" + pod.ip() + ":15020/stats/prometheus");
    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(stats.body()).contains("envoy_server_live");
  }
}
