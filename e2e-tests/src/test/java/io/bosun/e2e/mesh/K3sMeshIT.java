package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.e2e.cluster.K8sBinaries;
import io.bosun.envoy.Waits;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The mesh scenarios on k3s, where a real kubelet and container runtime run the pods: the image the
 * workflow built (the Dockerfile) is loaded into k3s, helm installs the charts, the echo apps run
 * from the same image, Envoy from the upstream image. The optional tier of the {@code e2e-k3s}
 * workflow job ({@code -Pk3s}); {@code .ci/run} does not run it. Without a Docker engine it fails
 * rather than pass.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class K3sMeshIT {
  static final String NS = MeshIT.NS;
  static final String IMAGE = System.getenv().getOrDefault("BOSUN_IMAGE", "ghcr.io/bosun-mesh/bosun:e2e");
  static final String K3S = System.getenv().getOrDefault("K3S_IMAGE", "rancher/k3s:v1.33.4-k3s1");
  static K3sContainer k3s;
  static KubernetesClient k;

  @BeforeAll
  static void start() throws Exception {
    assertThat(DockerClientFactory.instance().isDockerAvailable())
        .as("the k3s tier needs a Docker engine (not run: no Docker)").isTrue();
    k3s = new K3sContainer(DockerImageName.parse(K3S));
    k3s.start();
    Path tar = Files.createTempFile("bosun-image-", ".tar");
    try (InputStream in = DockerClientFactory.lazyClient().saveImageCmd(IMAGE).exec()) {
      Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/bosun.tar");
    exec("ctr", "-n", "k8s.io", "images", "import", "/tmp/bosun.tar");
    Files.delete(tar);
    Path kubeconfig = Files.createTempFile("k3s-", ".kubeconfig");
    Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
    k = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();
    int colon = IMAGE.lastIndexOf(':');
    helm("install", "bosun-base", MeshIT.chart("bosun-base"), "--kubeconfig", kubeconfig.toString());
    helm("install", "bosun", MeshIT.chart("bosun"), "-n", "istio-system", "--create-namespace", "--wait",
        "--timeout", "5m", "--set", "image.repository=" + IMAGE.substring(0, colon), "--set",
        "image.tag=" + IMAGE.substring(colon + 1), "--set", "image.pullPolicy=Never",
        "--kubeconfig", kubeconfig.toString());
    StringBuilder manifests = new StringBuilder("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: bookinfo, labels: {istio-injection: enabled}}
        """);
    for (String s : List.of("productpage", "details", "reviews", "ratings")) {
      manifests.append(MeshIT.service(s));
    }
    manifests.append("---\n").append(echo("productpage-v1", "productpage", "v1",
        "http://reviews:9080/ http://details:9080/"));
    manifests.append(echo("details-v1", "details", "v1", ""));
    manifests.append(echo("reviews-v1", "reviews", "v1", ""));
    manifests.append(echo("reviews-v2", "reviews", "v2", "http://ratings:9080/"));
    manifests.append(echo("reviews-v3", "reviews", "v3", "http://ratings:9080/"));
    manifests.append(echo("ratings-v1", "ratings", "v1", ""));
    manifests.append("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: client, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: client}}
          template:
            metadata: {labels: {app: client}}
            spec:
              containers:
              - {name: app, image: "curlimages/curl:8.11.1", command: [sleep, infinity]}
        """);
    io.bosun.e2e.ManifestsAccess.apply(k, manifests.toString());
    Waits.until("seven pods ready with their sidecars", () -> k.pods().inNamespace(NS).list().getItems().stream()
        .filter(K3sMeshIT::ready).count() == 7, Duration.ofMinutes(5));
  }

  /** The echo app from the Bosun image (its jars carry it), answering with its app and version. */
  static String echo(String name, String app, String version, String upstreams) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %1$s, namespace: bookinfo}
        spec:
          selector: {matchLabels: {app: %2$s, version: %3$s}}
          template:
            metadata: {labels: {app: %2$s, version: %3$s}}
            spec:
              containers:
              - name: app
                image: "%4$s"
                imagePullPolicy: Never
                command: [java, -cp, "/opt/bosun/bosun.jar:/opt/bosun/lib/*", io.bosun.demo.EchoServer]
                args: [%2$s, %3$s, "9080", 0.0.0.0]
                ports: [{containerPort: 9080}]
                env:
                - {name: ECHO_UPSTREAMS, value: "%5$s"}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                # not the image's uid 1337: that one is the proxy's, whose traffic is never intercepted
                securityContext: {runAsUser: 1000}
        ---
        """.formatted(name, app, version, IMAGE, upstreams);
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  @AfterAll
  static void stop() {
    if (k != null) {
      k.close();
    }
    if (k3s != null) {
      k3s.stop();
    }
  }

  @Test
  @Order(1)
  void everyPodGetsASidecarAndTheCallGraphWorks() {
    MeshIT.assertInjected(k.pods().inNamespace(NS).list().getItems());
    Map<String, Integer> pages = count(30, "http://productpage:9080/", "", true);
    MeshIT.report("1 on k3s: productpage through the mesh", pages);
    String page = curl("http://productpage:9080/");
    assertThat(page).startsWith("productpage v1\n").contains("\n-> details v1\n").doesNotContain("unavailable");
    Map<String, Integer> split = count(90, "http://reviews:9080/", "", false);
    MeshIT.report("1 on k3s: reviews without a VirtualService", split);
    assertThat(split.keySet()).containsExactlyInAnyOrder("reviews v1", "reviews v2", "reviews v3");
  }

  @Test
  @Order(2)
  void subsetRoutingCanaryAndHeaderMatch() {
    io.bosun.e2e.ManifestsAccess.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: bookinfo}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
        ---
        """ + MeshIT.reviewsVs(80, 20));
    Waits.until("the 80/20 route", () -> !count(20, "http://reviews:9080/", "", false).containsKey("reviews v3"),
        Duration.ofSeconds(30));
    Map<String, Integer> s80 = count(1000, "http://reviews:9080/", "", false);
    MeshIT.report("2 on k3s: canary 80/20", s80);
    assertThat(s80.getOrDefault("reviews v1", 0)).isBetween(750, 850);
    Map<String, Integer> jason = count(50, "http://reviews:9080/", "-H 'end-user: jason'", false);
    MeshIT.report("2 on k3s: end-user: jason", jason);
    assertThat(jason).isEqualTo(Map.of("reviews v2", 50));
  }

  @Test
  @Order(3)
  void anAbortForOneUserAndATimeoutOnTheCaller() {
    io.bosun.e2e.ManifestsAccess.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http:
          - match: [{headers: {end-user: {exact: abort}}}]
            fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
            route: [{destination: {host: ratings}}]
          - timeout: 2s
            route: [{destination: {host: ratings}}]
        """);
    Waits.until("the abort", () -> curl("-o /dev/null -w '%{http_code}' -H 'end-user: abort' http://ratings:9080/")
        .equals("500"), Duration.ofSeconds(30));
    long start = System.nanoTime();
    String timedOut = curl("-o /dev/null -w '%{http_code}' 'http://ratings:9080/?delay=7s'");
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("[scenario 3 on k3s] abort: 500; a 7 s backend behind a 2 s timeout: %s after %d ms%n",
        timedOut, ms);
    assertThat(timedOut).isEqualTo("504");
  }

  @Test
  @Order(9)
  void aRollingRestartOfBosunFailsNoRequest() throws Exception {
    // 300 requests, one every 50 ms, while the control plane is replaced under them
    java.util.concurrent.CompletableFuture<String> traffic = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        clientShell("for i in $(seq 300); do curl -s -m 5 -o /dev/null -w '%{http_code}\\n' http://reviews:9080/;"
            + " sleep 0.05; done"));
    Thread.sleep(2000);
    exec("kubectl", "rollout", "restart", "-n", "istio-system", "deployment/bosun");
    exec("kubectl", "rollout", "status", "-n", "istio-system", "deployment/bosun", "--timeout=180s");
    Map<String, Integer> codes = MeshIT.tally(traffic.get(5, TimeUnit.MINUTES));
    MeshIT.report("9 on k3s: rolling restart of Bosun under steady traffic", codes);
    assertThat(codes).isEqualTo(Map.of("200", 300));
  }

  /** First lines of {@code n} answers (with whether ratings was reached, for pages), counted. */
  static Map<String, Integer> count(int n, String url, String curlArgs, boolean pages) {
    String each = pages ? "curl -s -m 10 " + curlArgs + " " + url + " | grep -E '^-> reviews|^  -> ratings' | tr '\\n' ' '"
        + "; echo" : "curl -s -m 10 " + curlArgs + " " + url + " | head -1";
    String out = clientShell("for i in $(seq " + n + "); do " + each + "; done");
    return MeshIT.tally(out);
  }

  static String curl(String args) {
    return clientShell("curl -s -m 10 " + args);
  }

  static String clientShell(String script) {
    return exec("kubectl", "exec", "-n", NS, "deploy/client", "-c", "app", "--", "sh", "-c", script);
  }

  static String exec(String... cmd) {
    try {
      ExecResult r = k3s.execInContainer(cmd);
      if (r.getExitCode() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.getStderr());
      }
      return r.getStdout();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void helm(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(System.getenv().getOrDefault("HELM", helmBinary())));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("helm failed: " + out);
    }
  }

  /** The project's pinned helm when installed, else the one on PATH (as on the workflow's runners). */
  static String helmBinary() {
    try {
      return K8sBinaries.require("helm").toString();
    } catch (RuntimeException e) {
      return "helm";
    }
  }
}
