package io.bosun.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MeshGen} mesh on a real API server, changed through it, as users' deployments change a
 * cluster: the control plane under test sees it only through its informers. Pods are created with
 * a Running, Ready status (no kubelet runs them); EndpointSlices are written here, as the
 * EndpointSlice controller would, under a manager label of their own.
 */
final class KubeMesh implements MeshChanges {
  private static final String MANAGER = "bosun-bench";
  private final KubernetesClient k;
  private final MeshGen mesh;
  /** Pods created so far per service (pods are created on scale-up and kept on scale-down). */
  private final int[] pods;

  KubeMesh(KubernetesClient k, MeshGen mesh) {
    this.k = k;
    this.mesh = mesh;
    this.pods = new int[mesh.services()];
  }

  /** Installs the CRDs in {@code files} (Istio's own, for both control planes) and waits until established. */
  void installCrds(List<Path> files) throws IOException {
    List<HasMetadata> crds = new ArrayList<>();
    for (Path f : files) {
      crds.addAll(k.load(new ByteArrayInputStream(Files.readAllBytes(f))).items());
    }
    for (HasMetadata crd : crds) {
      k.resource(crd).fieldManager(MANAGER).forceConflicts().serverSideApply();
    }
    for (HasMetadata crd : crds) {
      k.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
              .anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")), 60, TimeUnit.SECONDS);
    }
  }

  /** Everything at the mesh's replicas, in parallel: namespaces, Services, Pods, slices, DRs, VSs. */
  void populate() throws Exception {
    apply(namespace("istio-system"));
    for (int n = 0; n < mesh.namespaces(); n++) {
      apply(namespace("ns-" + n));
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int s = 0; s < mesh.services(); s++) {
        int service = s;
        done.add(pool.submit(() -> {
          // the test API server's service range (RealCluster.SERVICE_CIDR) instead of the generator's
          apply(mesh.service(service).replace("clusterIP: 10.96.", "clusterIP: 10.213.1"));
          scale(service, mesh.replicas());
          apply(mesh.destinationRule(service));
          apply(mesh.virtualService(service, 90));
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.MINUTES);
      }
      if (mesh.scoped()) {
        for (int n = 0; n < mesh.namespaces(); n++) {
          apply(MeshGen.sidecar("ns-" + n));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void scale(int s, int count) {
    for (int r = pods[s]; r < count; r++) {
      createPod(s, r);
    }
    pods[s] = Math.max(pods[s], count);
    apply(mesh.endpoints(s, count).replace("labels: {", "labels: {endpointslice.kubernetes.io/managed-by: "
        + MANAGER + ", "));
  }

  @Override
  public void weight(int s, int v1) {
    apply(mesh.virtualService(s, v1));
  }

  private void createPod(int s, int r) {
    Pod pod = k.getKubernetesSerialization().unmarshal(mesh.pod(s, r), Pod.class);
    pod.setStatus(null);
    Pod created = k.pods().resource(pod).create();
    String ip = MeshGen.podIp(s, r);
    created.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP(ip)
        .withPodIPs(new PodIP(ip)).withHostIP("127.0.0.1")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").build()).build());
    k.pods().resource(created).updateStatus();
  }

  private void apply(String yaml) {
    for (HasMetadata o : k.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      k.resource(o).fieldManager(MANAGER).forceConflicts().serverSideApply();
    }
  }

  private static String namespace(String name) {
    return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
  }
}
