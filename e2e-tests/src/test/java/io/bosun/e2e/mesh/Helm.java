package io.bosun.e2e.mesh;

import io.bosun.e2e.cluster.K8sBinaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** helm, as an operator runs it: the project's pinned binary, else the one on PATH (the workflow's runners). */
final class Helm {
  private Helm() {
  }

  static String chart(String name) {
    return K8sBinaries.repoRoot().resolve("charts").resolve(name).toString();
  }

  static void run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(binary()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("helm failed: " + out);
    }
  }

  private static String binary() {
    String configured = System.getenv("HELM");
    if (configured != null) {
      return configured;
    }
    try {
      return K8sBinaries.require("helm").toString();
    } catch (RuntimeException e) {
      return "helm";
    }
  }
}
