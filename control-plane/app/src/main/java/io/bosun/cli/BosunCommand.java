package io.bosun.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bosun}: the control plane and the tools around it, one subcommand each. */
@Command(name = "bosun", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Bosun, an Istio-API-compatible service-mesh control plane.",
    subcommands = {StandaloneCommand.class, KubeCommand.class, DemoCommand.class, InterceptCommand.class,
        ValidateCommand.class, KubeInjectCommand.class, VersionCommand.class, HelpCommand.class})
final class BosunCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    // a bare `bosun` is a usage error: say what there is
    return Cli.usage(spec);
  }
}
