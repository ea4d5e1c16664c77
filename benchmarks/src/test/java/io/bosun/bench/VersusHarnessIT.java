package io.bosun.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.e2e.cluster.K8sBinaries;
import io.bosun.e2e.cluster.RealCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-by-side harness at CI size, on Bosun alone (istiod is built only for the optional
 * {@code benchmarks/run versus-istiod}): the mesh written to a real API server, Bosun in
 * Kubernetes mode as its own process, and the fleet converging to every change written through
 * the API server. Timings are printed, not asserted.
 */
class VersusHarnessIT {
  @TempDir
  Path dir;

  @Test
  void bosunInKubernetesModeConvergesToEveryChangeWrittenThroughTheApiServer() throws Exception {
    MeshGen mesh = new MeshGen(20, 4, 3);
    List<Path> crds;
    try (Stream<Path> files = Files.list(K8sBinaries.repoRoot().resolve("crds"))) {
      crds = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    try (RealCluster cluster = RealCluster.start(false)) {
      KubeMesh kube = new KubeMesh(cluster.client(), mesh);
      kube.installCrds(crds);
      kube.populate();
      Expected expected = new Expected(mesh);
      try (ControlPlane bosun = ControlPlane.bosun(cluster.kubeconfigPath(), dir, null)) {
        Versus.Run run = Versus.measure(bosun, mesh, 30, expected, kube, "CI size", Duration.ofSeconds(5));
        System.out.println(Scale.row(run.s2()));
        System.out.println(Scale.row(run.s3()));
        assertThat(run.s2().failures()).isEmpty();
        assertThat(run.s3().failures()).isEmpty();
        assertThat(run.s2Latencies()).as("every proxy ACKed each of the 3 route changes").hasSize(3 * 30);
        assertThat(run.s3().values().get("CDS/LDS/RDS responses per proxy (max)"))
            .as("endpoint churn brings endpoints only").isEqualTo("0/0/0");
        assertThat(expected.replicas).as("the churn rescaled services").containsAnyOf(4, 200);
      }
    }
  }
}
