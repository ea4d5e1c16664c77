package io.bosun.inject;

import io.bosun.cli.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The {@code kube-inject} command of {@code bosun} and {@code bosunctl}. */
public final class KubeInjectCommand implements Command {
  @Override
  public String name() {
    return "kube-inject";
  }

  @Override
  public String usage() {
    return """
          kube-inject -f FILE|- [--injection-config FILE] [--kubernetes-minor 29]
            Print FILE's manifests with the sidecar injected exactly as the webhook would
            (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Lists).
        """;
  }

  @Override
  public int run(List<String> args) throws Exception {
    String file = null;
    String configFile = null;
    int minor = 29;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      switch (a) {
        case "-f", "--filename" -> file = args.get(++i);
        case "--injection-config" -> configFile = args.get(++i);
        case "--kubernetes-minor" -> minor = Integer.parseInt(args.get(++i));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (file == null) {
      throw new IllegalArgumentException("option -f is required");
    }
    InjectionConfig config = configFile == null ? InjectionConfig.defaults()
        : InjectionConfig.parse(Files.readString(Path.of(configFile)));
    String input = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Files.readString(Path.of(file));
    System.out.print(new KubeInject(new Injector(config, minor)).run(input));
    return 0;
  }
}
