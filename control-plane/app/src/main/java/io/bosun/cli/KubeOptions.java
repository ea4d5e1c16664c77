package io.bosun.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster a command talks to, as istioctl's {@code --kubeconfig} and {@code --context} say. */
final class KubeOptions {
  @Option(names = {"-c", "--kubeconfig"}, paramLabel = "PATH",
      description = "The Kubernetes configuration file. Default: $KUBECONFIG, else ~/.kube/config.")
  Path kubeconfig;

  @Option(names = "--context", paramLabel = "NAME",
      description = "The context of the Kubernetes configuration to use. Default: its current context.")
  String context;

  /** A client for the chosen cluster and context; a failure the user can act on when it cannot be built. */
  KubernetesClient client() {
    return client(false);
  }

  /**
   * A client for reads that happen once (analyze): it does not retry, so an API server that is away
   * is one error line now, not minutes of back-off.
   */
  KubernetesClient onceClient() {
    return client(true);
  }

  private KubernetesClient client(boolean once) {
    Config config;
    try {
      if (kubeconfig == null) {
        config = Config.autoConfigure(context);
      } else if (!Files.isReadable(kubeconfig)) {
        throw new CommandFailure("cannot read the Kubernetes configuration " + kubeconfig);
      } else {
        config = Config.fromKubeconfig(context, kubeconfig.toFile());
      }
      if (once) {
        config = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build();
      }
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (KubernetesClientException e) {
      throw new CommandFailure("cannot use the Kubernetes configuration ("
          + (kubeconfig == null ? "KUBECONFIG, ~/.kube/config" : kubeconfig) + "): " + e.getMessage(), e);
    }
  }
}
