package io.bosun.e2e.mesh;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A cluster with Bosun installed by its charts and bookinfo running with injected sidecars: what
 * the mesh scenarios run against, whoever runs the pods (network namespaces or a real kubelet).
 */
interface MeshFixture extends AutoCloseable {
  KubernetesClient client();

  /** Runs {@code script} with {@code sh -c} in the client pod, whose traffic its sidecar intercepts. */
  String clientShell(String script);

  /** {@code GET path} from the admin API of the sidecar of a pod of {@code deployment} in bookinfo. */
  String sidecarAdmin(String deployment, String path);

  /** How many bookinfo pods (the client included) run with a ready sidecar. */
  long readySidecars();

  /** Whether Bosun's pod, after a restart, is a new one and serves. */
  boolean bosunReplaced(String oldUid);

  @Override
  void close();
}
