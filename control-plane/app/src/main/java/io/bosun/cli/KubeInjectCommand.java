package io.bosun.cli;

import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.inject.KubeInject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kube-inject}: the webhook's injection, offline, on manifests. */
@Command(name = "kube-inject", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Inject the sidecar into Kubernetes manifests offline.",
        "Prints the manifests with the sidecar injected exactly as the webhook would (Pods, Deployments, "
          + "StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs, OpenShift "
          + "DeploymentConfigs, Lists); what the webhook would warn about goes to standard error."})
final class KubeInjectCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|-", description = "Manifests; - for stdin.")
  String file;

  @Option(names = "--injection-config", paramLabel = "FILE",
      description = "The injection ConfigMap's config (default: Bosun's defaults).")
  Path injectionConfig;

  @Option(names = "--kubernetes-minor", paramLabel = "N", defaultValue = "29", converter = Cli.Count.class,
      description = "The cluster's Kubernetes 1.x minor version: 29+ gets native sidecars.")
  int minor;

  @Mixin
  Colours colours;

  @Override
  public Integer call() throws Exception {
    InjectionConfig config = injectionConfig == null ? InjectionConfig.defaults()
        : InjectionConfig.parse(Files.readString(injectionConfig));
    String input = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Files.readString(Path.of(file));
    Ansi ansi = colours.ansi();
    KubeInject kubeInject = new KubeInject(new Injector(config, minor),
        w -> spec.commandLine().getErr().println(Colours.line(ansi, "Warning: " + w)));
    spec.commandLine().getOut().print(kubeInject.run(input));
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().flush();
    return 0;
  }
}
