package io.bosun.e2e.mesh;

import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.RealCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The mesh with everything real but the container runtime: a real API server, helm, Bosun as its
 * pod's process, pods as network namespaces running what their (injected) specs say.
 */
final class NetnsMesh implements MeshFixture {
  final RealCluster cluster;
  final MeshNetwork network;
  final PodRunner runner;

  private NetnsMesh(RealCluster cluster, MeshNetwork network, PodRunner runner) {
    this.cluster = cluster;
    this.network = network;
    this.runner = runner;
  }

  static NetnsMesh start(RealCluster cluster) throws Exception {
    return start(cluster, new String[0]);
  }

  /** As {@link #start(RealCluster)}, Bosun's release installed with chart values ({@code key=value}, each a --set). */
  static NetnsMesh start(RealCluster cluster, String... values) throws Exception {
    MeshNetwork network = MeshNetwork.create();
    NetnsMesh mesh = new NetnsMesh(cluster, network, new PodRunner(cluster, network));
    KubernetesClient k = cluster.client();
    String kubeconfig = cluster.kubeconfigPath().toString();
    Helm.run("install", "bosun-base", Helm.chart("bosun-base"), "--kubeconfig", kubeconfig);
    List<String> bosun = new ArrayList<>(List.of("install", "bosun", Helm.chart("bosun"), "-n", "istio-system",
        "--create-namespace", "--kubeconfig", kubeconfig));
    for (String v : values) {
      bosun.addAll(List.of("--set", v));
    }
    Helm.run(bosun.toArray(String[]::new));
    await("Bosun's pod running and ready").atMost(Duration.ofSeconds(90)).ignoreExceptions()
        .until(() -> mesh.bosunReplaced(""));
    await("caBundle patched").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> k.admissionRegistration().v1().mutatingWebhookConfigurations()
            .withName("bosun-sidecar-injector").get().getWebhooks().get(0).getClientConfig().getCaBundle() != null);
    MeshScenarios.apply(k, Bookinfo.namespaceAndServices());
    MeshScenarios.apply(k, Bookinfo.deployments(NetnsMesh::deployment));
    await("seven pods running with their sidecars ready").atMost(Duration.ofSeconds(150)).ignoreExceptions()
        .until(() -> mesh.readySidecars() == Bookinfo.PODS);
    return mesh;
  }

  /** An app Deployment of the fake images PodRunner runs: the echo app, or a client that only sleeps. */
  static String deployment(String name, String app, String version, String upstreams) {
    return MeshIT.deployment(name, app, version, app.equals("client") ? "bosun-e2e/client:1" : "bosun-e2e/echo:1",
        upstreams);
  }

  @Override
  public KubernetesClient client() {
    return cluster.client();
  }

  PodRunner.Running clientPod() {
    return runner.podsWithPrefix(MeshScenarios.NS, "client").get(0);
  }

  @Override
  public String clientShell(String script) {
    return MeshNetwork.sh(false, "ip", "netns", "exec", clientPod().netns(), "sh", "-c", script);
  }

  @Override
  public String sidecarAdmin(String deployment, String path) {
    PodRunner.Running pod = runner.podsWithPrefix(MeshScenarios.NS, deployment + "-").get(0);
    return MeshNetwork.sh(false, "ip", "netns", "exec", pod.netns(), "curl", "-s", "127.0.0.1:15000" + path);
  }

  @Override
  public long readySidecars() {
    return client().pods().inNamespace(MeshScenarios.NS).list().getItems().stream().filter(p -> {
      PodRunner.Running r = runner.pod(MeshScenarios.NS, p.getMetadata().getName());
      return r != null && r.netns() != null
          && MeshNetwork.sh(false, "ip", "netns", "exec", r.netns(), "curl", "-s", "-m", "2", "127.0.0.1:15000/ready")
          .contains("LIVE");
    }).count();
  }

  @Override
  public boolean bosunReplaced(String oldUid) {
    List<Pod> now = MeshScenarios.bosunPods(client());
    return now.size() == 1 && !now.get(0).getMetadata().getUid().equals(oldUid)
        && now.get(0).getStatus().getPodIP() != null
        && MeshIT.http("http://" + now.get(0).getStatus().getPodIP() + ":15014/ready") == 200;
  }

  @Override
  public void close() {
    runner.close();
    network.close();
  }
}
