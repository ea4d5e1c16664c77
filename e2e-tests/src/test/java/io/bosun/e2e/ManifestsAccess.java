package io.bosun.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;

/** {@link Manifests#apply} for tests in sub-packages. */
public final class ManifestsAccess {
  private ManifestsAccess() {
  }

  public static void apply(KubernetesClient k, String yaml) {
    Manifests.apply(k, yaml);
  }
}
