package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The mesh on k3s, where a real kubelet and container runtime run the pods: the image the workflow
 * built (the Dockerfile) is loaded into k3s, helm installs the charts, the echo apps run from the
 * same image, Envoy from the upstream image.
 */
final class K3sMesh implements MeshFixture {
  static final String IMAGE = System.getenv().getOrDefault("BOSUN_IMAGE", "ghcr.io/bosun-mesh/bosun:e2e");
  static final String K3S = System.getenv().getOrDefault("K3S_IMAGE", "rancher/k3s:v1.33.4-k3s1");
  private final K3sContainer k3s;
  private final KubernetesClient k;

  private K3sMesh(K3sContainer k3s, KubernetesClient k) {
    this.k3s = k3s;
    this.k = k;
  }

  static K3sMesh start() throws Exception {
    assertThat(DockerClientFactory.instance().isDockerAvailable())
        .as("the k3s tier needs a Docker engine (not run: no Docker)").isTrue();
    K3sContainer k3s = new K3sContainer(DockerImageName.parse(K3S));
    k3s.start();
    K3sMesh mesh = new K3sMesh(k3s,
        new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build());
    Path tar = Files.createTempFile("bosun-image-", ".tar");
    try (InputStream in = DockerClientFactory.lazyClient().saveImageCmd(IMAGE).exec()) {
      Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/bosun.tar");
    mesh.exec("ctr", "-n", "k8s.io", "images", "import", "/tmp/bosun.tar");
    Files.delete(tar);
    Path kubeconfig = Files.createTempFile("k3s-", ".kubeconfig");
    Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
    int colon = IMAGE.lastIndexOf(':');
    Helm.run("install", "bosun-base", Helm.chart("bosun-base"), "--kubeconfig", kubeconfig.toString());
    Helm.run("install", "bosun", Helm.chart("bosun"), "-n", "istio-system", "--create-namespace", "--wait",
        "--timeout", "5m", "--set", "image.repository=" + IMAGE.substring(0, colon), "--set",
        "image.tag=" + IMAGE.substring(colon + 1), "--set", "image.pullPolicy=Never",
        "--kubeconfig", kubeconfig.toString());
    MeshScenarios.apply(mesh.k, Bookinfo.namespaceAndServices());
    MeshScenarios.apply(mesh.k, Bookinfo.deployments(K3sMesh::deployment));
    await("seven pods ready with their sidecars").atMost(Duration.ofMinutes(5)).ignoreExceptions()
        .until(() -> mesh.readySidecars() == Bookinfo.PODS);
    return mesh;
  }

  /** The echo app from the Bosun image (its jars carry it), answering with its app and version; a curl client. */
  static String deployment(String name, String app, String version, String upstreams) {
    if (app.equals("client")) {
      return """
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
          ---
          """;
    }
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
                command: [java, -cp, "/opt/bosun/bosun.jar:/opt/bosun/lib/*", EchoServer]
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

  @Override
  public KubernetesClient client() {
    return k;
  }

  @Override
  public String clientShell(String script) {
    return exec("kubectl", "exec", "-n", MeshScenarios.NS, "deploy/client", "-c", "app", "--", "sh", "-c", script);
  }

  @Override
  public String sidecarAdmin(String deployment, String path) {
    // the Envoy image has bash but no HTTP client: one HTTP/1.0 request over bash's /dev/tcp
    String response = exec("kubectl", "exec", "-n", MeshScenarios.NS, "deploy/" + deployment, "-c", "istio-proxy",
        "--", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/15000; printf 'GET " + path
            + " HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
    int body = response.indexOf("\r\n\r\n");
    return body < 0 ? response : response.substring(body + 4);
  }

  @Override
  public long readySidecars() {
    return k.pods().inNamespace(MeshScenarios.NS).list().getItems().stream().filter(K3sMesh::ready).count();
  }

  @Override
  public boolean bosunReplaced(String oldUid) {
    List<Pod> now = MeshScenarios.bosunPods(k);
    return now.size() == 1 && !now.get(0).getMetadata().getUid().equals(oldUid) && ready(now.get(0));
  }

  String exec(String... cmd) {
    try {
      ExecResult r = k3s.execInContainer(cmd);
      if (r.getExitCode() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.getStderr());
      }
      return r.getStdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    k.close();
    k3s.stop();
  }
}
