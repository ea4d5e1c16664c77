package io.bosun.cli;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code validate}: the offline check, one line per problem, as standalone mode logs them. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {"Check Istio config files offline.",
        "Checks Istio config files or directories offline with the same validator Bosun serves with; "
          + "prints every error and warning, exits 1 when there is an error."})
final class ValidateCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files, or directories of *.yaml / *.yml.")
  List<Path> paths;

  @Mixin
  Colours colours;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Ansi ansi = colours.ansi();
    ConfigParser parser = new ConfigParser();
    int resources = 0;
    int errors = 0;
    int warnings = 0;
    for (Path file : YamlFiles.list(paths)) {
      ConfigParser.Parsed parsed = parser.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
      List<ConfigError> problems = new ArrayList<>(parsed.fileErrors());
      for (Conversion c : parsed.conversions()) {
        resources++;
        problems.addAll(c.problems());
      }
      for (ConfigError p : problems) {
        out.println(Colours.line(ansi, (p.isError() ? "error: " : "warning: ") + p));
        if (p.isError()) {
          errors++;
        } else {
          warnings++;
        }
      }
    }
    out.printf("%d resources checked: %d errors, %d warnings%n", resources, errors, warnings);
    out.flush();
    return errors > 0 ? 1 : 0;
  }
}
