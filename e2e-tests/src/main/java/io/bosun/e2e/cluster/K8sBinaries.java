package io.bosun.e2e.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@code e2e-tests/bin/install-k8s-test-binaries} put the Kubernetes binaries. The
 * version is read from that script, so the two never disagree.
 */
public final class K8sBinaries {
  static final String SCRIPT = "e2e-tests/bin/install-k8s-test-binaries";
  static final List<String> ALL = List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
      "kubectl", "kwok", "helm");

  private K8sBinaries() {
  }

  /** The repository root: the nearest directory upwards holding the install script. */
  public static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(SCRIPT))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find " + SCRIPT + " above " + Path.of("").toAbsolutePath());
  }

  public static String version() {
    try {
      return Files.readAllLines(repoRoot().resolve(SCRIPT)).stream()
          .filter(l -> l.startsWith("K8S_VERSION="))
          .map(l -> l.substring("K8S_VERSION=".length()).trim())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no K8S_VERSION= in " + SCRIPT));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Path dir() {
    String cache = System.getenv().getOrDefault("BOSUN_CACHE", System.getProperty("user.home") + "/.cache/bosun");
    return Path.of(cache, "k8s", version(), "bin");
  }

  /** The binary, or a failure naming the command that installs it: a missing tool fails tests, never skips them. */
  public static Path require(String name) {
    Path p = dir().resolve(name);
    if (!Files.isExecutable(p)) {
      throw new IllegalStateException(name + " " + version() + " not found at " + p + ". Build the test binaries with: "
          + SCRIPT + " (cached under ~/.cache/bosun/k8s; .ci/run does this)");
    }
    return p;
  }
}
