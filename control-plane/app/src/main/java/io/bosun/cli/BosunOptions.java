package io.bosun.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a command reaches Bosun's monitoring port: directly ({@code --bosun-address}) or through the
 * API server's port-forward to each ready Bosun pod. A picocli mixin, so every command spells it alike.
 */
final class BosunOptions {
  static final int MONITORING_PORT = 15014;

  @Mixin
  KubeOptions kube = new KubeOptions();

  @Option(names = "--bosun-address", paramLabel = "HOST:PORT",
      description = "Bosun's monitoring address, reached directly instead of through a port-forward.")
  String address;

  @Option(names = "--bosun-namespace", defaultValue = "istio-system", paramLabel = "NAMESPACE",
      description = "Where Bosun's pods (label app=bosun) run. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(names = "--bosun-port", defaultValue = "" + MONITORING_PORT, paramLabel = "PORT",
      converter = Cli.Port.class, description = "Bosun's monitoring port in its pods. Default: ${DEFAULT-VALUE}.")
  int port;

  /** {@code read(tunnel, what)} for every Bosun reached, in replica order. */
  <T> List<T> each(BiFunction<KubeAccess.Tunnel, String, T> read) {
    List<T> out = new ArrayList<>();
    first((t, what) -> {
      out.add(read.apply(t, what));
      return Optional.empty();
    });
    return out;
  }

  /** The first non-empty {@code read(tunnel, what)}, trying each Bosun in replica order. */
  <T> Optional<T> first(BiFunction<KubeAccess.Tunnel, String, Optional<T>> read) {
    if (address != null) {
      try (KubeAccess.Tunnel t = KubeAccess.direct(address)) {
        return read.apply(t, "Bosun");
      }
    }
    try (KubernetesClient client = kube.client()) {
      for (String replica : KubeAccess.readyBosunPods(client, namespace)) {
        try (KubeAccess.Tunnel t = KubeAccess.forward(client, namespace, replica, port)) {
          Optional<T> found = read.apply(t, "Bosun pod " + namespace + "/" + replica);
          if (found.isPresent()) {
            return found;
          }
        }
      }
    }
    return Optional.empty();
  }
}
