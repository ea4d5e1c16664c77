package io.bosun.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import picocli.CommandLine.Option;

/**
 * Where bosunctl finds Bosun's monitoring port: every ready Bosun pod (label {@code app=bosun})
 * through the API server's port-forward, or {@code --bosun-address} directly.
 */
final class BosunReplicas {
  static final int MONITORING_PORT = 15014;

  @Option(names = "--bosun-address", paramLabel = "HOST:PORT",
      description = "Bosun's monitoring address, reached directly instead of through a port-forward.")
  String bosunAddress;

  @Option(names = "--bosun-namespace", defaultValue = "istio-system", paramLabel = "NAMESPACE",
      description = "Where Bosun's pods (label app=bosun) run. Default: ${DEFAULT-VALUE}.")
  String bosunNamespace;

  @Option(names = "--bosun-port", defaultValue = "" + MONITORING_PORT, paramLabel = "PORT",
      converter = Cli.Port.class, description = "Bosun's monitoring port in its pods. Default: ${DEFAULT-VALUE}.")
  int bosunPort;

  /**
   * What {@code read} makes of each replica's monitoring port, given its tunnel and its name for
   * messages ("Bosun", "Bosun pod istio-system/bosun-x"), in the pods' order.
   *
   * @throws CommandFailure when the replicas cannot be found or reached
   */
  <T> List<T> each(BiFunction<KubeAccess.Tunnel, String, T> read) {
    List<T> out = new ArrayList<>();
    if (bosunAddress != null) {
      try (KubeAccess.Tunnel t = KubeAccess.direct(bosunAddress)) {
        out.add(read.apply(t, "Bosun"));
      }
      return out;
    }
    try (KubernetesClient client = KubeAccess.client()) {
      for (String replica : KubeAccess.readyBosunPods(client, bosunNamespace)) {
        try (KubeAccess.Tunnel t = KubeAccess.forward(client, bosunNamespace, replica, bosunPort)) {
          out.add(read.apply(t, "Bosun pod " + bosunNamespace + "/" + replica));
        }
      }
    }
    return out;
  }
}
