package io.bosun.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bosunctl}: the operator's tools, the same commands as in {@code bosun}, without the servers. */
@Command(name = "bosunctl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Bosun's operator tools.",
    subcommands = {KubeInjectCommand.class, ValidateCommand.class, AnalyzeCommand.class, WorkloadCommand.class,
        ProxyStatusCommand.class, ProxyConfigCommand.class, ExplainCommand.class, MeshVersionCommand.class,
        AdminCommand.class, CompletionCommand.class,
        HelpCommand.class})
public final class Bosunctl implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  public static void main(String[] argv) {
    int rc = run(argv);
    System.exit(rc);
  }

  /** Runs {@code bosunctl ARGV...}: 0 done, 1 failed or found errors, 2 a usage error. */
  public static int run(String... argv) {
    return commandLine(argv).execute(argv);
  }

  /** bosunctl's command line, for callers that set its output streams. */
  public static CommandLine commandLine() {
    return Cli.commandLine(new Bosunctl(), "bosunctl");
  }

  private static CommandLine commandLine(String... argv) {
    CommandLine cli = commandLine();
    if (Arrays.asList(argv).contains("--no-color")) {
      // help too: picocli's own detection already keeps it plain off a terminal and with NO_COLOR
      cli.setColorScheme(Help.defaultColorScheme(Ansi.OFF));
    }
    return cli;
  }

  /** As {@link #run(String...)}, writing to {@code out} and {@code err} instead of the standard streams. */
  public static int run(PrintWriter out, PrintWriter err, String... argv) {
    CommandLine line = commandLine(argv);
    line.setOut(out);
    line.setErr(err);
    return line.execute(argv);
  }

  @Override
  public Integer call() {
    return Cli.usage(spec);
  }
}
