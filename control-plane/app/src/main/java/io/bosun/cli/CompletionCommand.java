package io.bosun.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code completion bash|zsh}: the shell's completion script for every command and option, from picocli. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = {"Print a completion script for bash or zsh (the same script: zsh runs it through bashcompinit)."},
    footer = {"", "Examples:", "  source <(bosunctl completion bash)",
        "  bosunctl completion bash > /etc/bash_completion.d/bosunctl",
        "  bosunctl completion zsh > \"${fpath[1]}/_bosunctl\""})
final class CompletionCommand implements Callable<Integer> {
  enum Shell { BASH, ZSH }

  @Spec
  private CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell;

  @Override
  public Integer call() {
    spec.commandLine().getOut().print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
