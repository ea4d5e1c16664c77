package io.bosun.it;

import static io.bosun.testing.InjectedProxy.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.testing.InjectedProxy;
import io.bosun.testing.PodMesh;
import io.bosun.testing.PodNetns;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * then the apps, then the proxy container's Envoy with its injected arguments (the kubelet's
 * {@code $(VAR)} expansion done here) as the uid its securityContext names. The app's outbound
 * calls go through that Envoy, callers reach the app through 15006, and the readiness and
 * Prometheus ports answer. The apps' probes, rewritten to the status port 15020, are answered there
 * the way the kubelet asks them, also for a port whose PeerAuthentication is STRICT (which refuses
 * the kubelet's own plaintext).
 */
class InjectedPodIT {
  static final String VIP = "10.96.78.10";
  /** A port nothing in the pod listens on. */
  static final int CLOSED_PORT = 8099;
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
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: app-secure}
        spec:
          hosts: [app-secure.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 8081, protocol: HTTP}]
          endpoints: [{address: %s, ports: {http: 8081}}]
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: secure-port, namespace: default}
        spec:
          selector: {matchLabels: {app: app}}
          portLevelMtls: {8081: {mode: STRICT}}
        """.formatted(pod.ip()));
    bosun = StandaloneBosun.start(config, pod.hostIp(), 0, "127.0.0.1", 0);

    InjectionConfig defaults = InjectionConfig.defaults();
    // standalone Bosun serves plaintext: the injection variant for a trusted network (the token
    // variant, TLS to 15012 with the pod's token, runs end to end in the e2e MeshIT)
    InjectionConfig cfg = InjectionConfig.parse("discoveryAddress: bosun.istio-system.svc:" + bosun.xdsPort()
        + "\nlogLevel: info\nxdsAuth: none");
    assertThat(cfg.proxyUid()).isEqualTo(defaults.proxyUid());
    injected = new Injector(cfg, 33).inject(new PodBuilder().withNewMetadata().withName("app-1")
        .withNamespace("default").withLabels(Map.of("app", "app")).endMetadata().withNewSpec()
        .addNewContainer().withName("app").withImage("example/app:1")
          .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withPort(new IntOrString(8080)).endHttpGet()
          .endReadinessProbe()
          .withNewLivenessProbe().withNewHttpGet().withPath("/live?status=503").withPort(new IntOrString(8080))
          .endHttpGet().endLivenessProbe()
        .endContainer()
        .addNewContainer().withName("secure").withImage("example/secure:1")
          .addNewPort().withName("web").withContainerPort(8081).endPort()
          .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withPort(new IntOrString("web")).endHttpGet()
          .endReadinessProbe()
          .withNewLivenessProbe().withNewTcpSocket().withPort(new IntOrString("web")).endTcpSocket()
          .withPeriodSeconds(1).endLivenessProbe()
          .withNewStartupProbe().withNewTcpSocket().withPort(new IntOrString(CLOSED_PORT)).endTcpSocket()
          .withPeriodSeconds(1).endStartupProbe()
        .endContainer().endSpec().build());

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
    Process secure = pod.start(null, pod.dir().resolve("secure.log"),
        List.of(java, "-cp", cp, "io.bosun.demo.EchoServer", "secure", "v1", "8081", "0.0.0.0"));
    InjectedProxy.start(pod, proxy, InjectedProxy.downward("app-1", "default", pod.ip()));
    await("the app").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> app.isAlive() && pod.exec(false,
        "curl", "-s", "127.0.0.1:8080/").contains("app v1"));
    await("the secure app").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> secure.isAlive()
        && pod.exec(false, "curl", "-s", "127.0.0.1:8081/").contains("secure v1"));
  }

  static Container app(String name) {
    return injected.getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow();
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

  @Test
  void theRewrittenProbesAreAnsweredOnTheStatusPortAsTheKubeletAsksThem() {
    // the kubelet asks what the rewritten spec says: an httpGet of the status port at the pod's IP
    Probe ready = app("app").getReadinessProbe();
    assertThat(ready.getHttpGet().getPort().getIntVal()).isEqualTo(15020);
    assertThat(ready.getHttpGet().getPath()).isEqualTo("/app-health/app/readyz");
    HttpResponse<String> r = get("http://" + pod.ip() + ":15020" + ready.getHttpGet().getPath());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("app v1");
    // the app's own answer comes back: a failing liveness check fails
    assertThat(get("http://" + pod.ip() + ":15020" + app("app").getLivenessProbe().getHttpGet().getPath())
        .statusCode()).isEqualTo(503);
    assertThat(get("http://" + pod.ip() + ":15020/healthz/ready").statusCode()).isEqualTo(200);
    assertThat(get("http://" + pod.ip() + ":15020/stats/prometheus").body()).contains("envoy_server_live");
    assertThat(get("http://" + pod.ip() + ":15020/app-health/nobody/readyz").statusCode()).isEqualTo(404);
  }

  @Test
  void probesOfAStrictPortAreAnsweredThoughTheKubeletsPlaintextIsRefused() {
    // STRICT: the port takes mutual TLS only (here, with no workload certificate, nothing at all), so
    // the kubelet's plaintext probe of the app's port itself, from outside the pod, is refused
    assertThatThrownBy(() -> get("http://" + pod.ip() + ":8081/ready")).hasRootCauseInstanceOf(IOException.class);
    Container secure = app("secure");
    assertThat(secure.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/app-health/secure/readyz");
    HttpResponse<String> r = get("http://" + pod.ip() + ":15020/app-health/secure/readyz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("secure v1");
    // a TCP probe: connecting from 127.0.0.6 reaches the app's port itself, never the inbound listener
    assertThat(secure.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/app-health/secure/livez");
    await("the TCP check of 8081").atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(() -> get("http://" + pod.ip() + ":15020/app-health/secure/livez").statusCode() == 200);
    // ...so a port nothing listens on fails, which a captured connection (accepted by 15006) would not
    assertThat(secure.getStartupProbe().getHttpGet().getPath()).isEqualTo("/app-health/secure/startupz");
    await("the TCP check of a closed port").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> get("http://" + pod.ip() + ":15020/app-health/secure/startupz").statusCode() == 503);
  }

  @Test
  void envoyAcceptsTheStatusListenerForEveryKindOfProbe() {
    Pod probed = new Injector(InjectionConfig.parse("xdsAuth: none\ndiscoveryAddress: 127.0.0.1:15010"), 33)
        .inject(new PodBuilder().withNewMetadata().withName("probed-1").withNamespace("default").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("example/web:1")
          .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withPort(new IntOrString(8443))
            .withScheme("HTTPS").endHttpGet().endReadinessProbe()
          .withNewLivenessProbe().withNewGrpc().withPort(9090).withService("web").endGrpc().endLivenessProbe()
          .withNewStartupProbe().withNewTcpSocket().withPort(new IntOrString(8080)).endTcpSocket().endStartupProbe()
          .withNewLifecycle().withNewPreStop().withNewHttpGet().withPath("/quit").withPort(new IntOrString(8080))
            .endHttpGet().endPreStop().endLifecycle()
        .endContainer().endSpec().build());
    Container web = probed.getSpec().getContainers().get(0);
    assertThat(List.of(web.getReadinessProbe(), web.getLivenessProbe(), web.getStartupProbe()))
        .allSatisfy(p -> assertThat(p.getHttpGet().getPort().getIntVal()).isEqualTo(15020));
    Container proxy = probed.getSpec().getInitContainers().stream().filter(c -> c.getName().equals("istio-proxy"))
        .findFirst().orElseThrow();
    String bootstrap = InjectedProxy.expand(proxy, proxy.getArgs().get(proxy.getArgs().indexOf("--config-yaml") + 1),
        InjectedProxy.downward("probed-1", "default", "10.1.2.3"));
    assertThat(bootstrap).contains("bosun-app-tls|8443", "grpc_health_check", "tcp_health_check", "/app-lifecycle/");
    EnvoyProcess.validate(EnvoyBinary.require(), bootstrap);
  }

  @Test
  void holdApplicationUntilProxyStartsWaitsForTheReadyProxy() {
    Pod held = new Injector(InjectionConfig.defaults(), 33).inject(new PodBuilder().withNewMetadata()
        .withName("held-1").withNamespace("default").withAnnotations(Map.of("sidecar.istio.io/nativeSidecar", "false",
            "proxy.istio.io/config", "holdApplicationUntilProxyStarts: true")).endMetadata().withNewSpec()
        .addNewContainer().withName("app").withImage("example/app:1").endContainer().endSpec().build());
    Container first = held.getSpec().getContainers().get(0);
    assertThat(first.getName()).as("the proxy starts first").isEqualTo("istio-proxy");
    List<String> hook = first.getLifecycle().getPostStart().getExec().getCommand();
    // what the kubelet runs before it starts the app; this pod's Envoy is ready, so it returns at once
    long start = System.nanoTime();
    pod.exec(true, hook.toArray(String[]::new));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
