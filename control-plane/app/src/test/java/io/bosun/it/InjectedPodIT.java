package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.testing.PodMesh;
import io.bosun.testing.PodNetns;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The injected pod spec, run as written: the init container's command in a network namespace,
 * then the app, then the proxy container's Envoy with its injected arguments (the kubelet's
 * {@code $(VAR)} expansion done here) as the uid its securityContext names. The app's outbound
 * calls go through that Envoy, callers reach the app through 15006, and the readiness and
 * Prometheus ports answer.
 */
class InjectedPodIT {
  static final String VIP = "10.96.78.10";
  @TempDir
  static Path config;
  static PodNetns pod;
  static EchoServer reviews;
  static StandaloneBosun bosun;
  static Pod injected;

  @BeforeAll
  static void start() throws Exception {
    pod = PodNetns.create(78);
    pod.hosts(Map.of("bosun.istio-system.svc", pod.hostIp()));
    reviews = new EchoServer("reviews", "v1", pod.hostIp(), 0);
    Files.writeString(config.resolve("mesh.yaml"),
        PodMesh.reviewsAndApp(VIP, pod.hostIp(), reviews.port(), pod.ip()) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          http: [{headers: {response: {add: {x-injected-sidecar: "yes"}}}, route: [{destination: {host: reviews.default.svc.cluster.local}}]}]
        """);
    bosun = StandaloneBosun.start(config, pod.hostIp(), 0, "127.0.0.1", 0);

    InjectionConfig defaults = InjectionConfig.defaults();
    // standalone Bosun serves plaintext: the injection variant for a trusted network (the token
    // variant, TLS to 15012 with the pod's token, runs end to end in the e2e MeshIT)
    InjectionConfig cfg = InjectionConfig.parse("discoveryAddress: bosun.istio-system.svc:" + bosun.xdsPort()
        + "\nlogLevel: info\nxdsAuth: none");
    assertThat(cfg.proxyUid()).isEqualTo(defaults.proxyUid());
    injected = new Injector(cfg, 33).inject(new PodBuilder().withNewMetadata().withName("app-1")
        .withNamespace("default").withLabels(Map.of("app", "app")).endMetadata().withNewSpec().addNewContainer()
        .withName("app").withImage("example/app:1").endContainer().endSpec().build());

    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    Container init = container("istio-init");
    Container proxy = container("istio-proxy");
    // the init image's "bosun" is the CLI; here it is the same code on this class path
    List<String> initCmd = new ArrayList<>(List.of(java, "-cp", cp, "io.bosun.cli.Main"));
    initCmd.addAll(init.getArgs());
    assertThat(init.getCommand()).containsExactly("bosun");
    assertThat(pod.exec(true, initCmd.toArray(String[]::new))).contains("interception installed");

    Process app = pod.start(null, pod.dir().resolve("app.log"),
        List.of(java, "-cp", cp, "io.bosun.demo.EchoServer", "app", "v1", "8080", "0.0.0.0"));
    Path envoy = pod.dir().resolve("envoy");
    try {
      Files.createLink(envoy, EnvoyBinary.require());
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(EnvoyBinary.require(), envoy, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, String> downward = Map.of("metadata.name", "app-1", "metadata.namespace", "default",
        "status.podIP", pod.ip(), "spec.serviceAccountName", "default");
    List<String> envoyCmd = new ArrayList<>(List.of(envoy.toString()));
    for (String arg : proxy.getArgs()) {
      String a = arg;
      for (EnvVar e : proxy.getEnv()) {
        a = a.replace("$(" + e.getName() + ")", downward.get(e.getValueFrom().getFieldRef().getFieldPath()));
      }
      envoyCmd.add(a);
    }
    assertThat(proxy.getCommand()).containsExactly("envoy");
    Process envoyProcess = pod.start(proxy.getSecurityContext().getRunAsUser().intValue(),
        pod.dir().resolve("envoy.log"), envoyCmd);
    await("the injected proxy to be ready on 15021").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .failFast("Envoy exited", () -> assertThat(envoyProcess.isAlive())
            .as("Envoy running; its log:%n%s", read(pod.dir().resolve("envoy.log"))).isTrue())
        .until(() -> get("http://" + pod.ip() + ":15021/healthz/ready").statusCode() == 200);
    await("the app").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> app.isAlive() && pod.exec(false,
        "curl", "-s", "127.0.0.1:8080/").contains("app v1"));
  }

  static Container container(String name) {
    return injected.getSpec().getInitContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {pod, bosun, reviews}) {
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
  void theAppsOutboundTrafficGoesThroughTheInjectedEnvoy() {
    String out = pod.exec(false, "curl", "-s", "-i", "-m", "10", "http://" + VIP + ":9080/");
    assertThat(out).contains("HTTP/1.1 200", "x-injected-sidecar: yes", "reviews v1");
  }

  @Test
  void callersReachTheAppThroughVirtualInboundAndThePrometheusPortAnswers() {
    HttpResponse<String> r = get("http://" + pod.ip() + ":8080/?headers=1");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("app v1").contains("x-request-id: ");
    HttpResponse<String> stats = get("http://" + pod.ip() + ":15090/stats/prometheus");
    assertThat(stats.body()).contains("envoy_cluster_upstream_cx_total");
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
