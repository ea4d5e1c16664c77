package io.bosun.e2e.mesh;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The mesh scenarios on k3s (see {@link K3sMesh}): the optional tier of the {@code e2e-k3s}
 * workflow job ({@code -Pk3s}); {@code .ci/run} does not run it. Without a Docker engine it fails
 * rather than pass.
 */
class K3sMeshIT extends MeshScenarios {
  @BeforeAll
  static void start() throws Exception {
    mesh = K3sMesh.start();
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }
}
