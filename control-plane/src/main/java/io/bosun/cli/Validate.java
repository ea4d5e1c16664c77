package io.bosun.cli;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@code bosun validate}: the offline check, one line per problem, as standalone mode logs them. */
final class Validate {
  private Validate() {
  }

  static int run(List<String> paths) throws IOException {
    if (paths.isEmpty()) {
      throw new Args.UsageException("validate needs at least one file or directory");
    }
    ConfigParser parser = new ConfigParser();
    int resources = 0;
    int errors = 0;
    int warnings = 0;
    for (Path file : files(paths)) {
      ConfigParser.Parsed parsed = parser.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
      List<ConfigError> problems = new ArrayList<>(parsed.fileErrors());
      for (Conversion c : parsed.conversions()) {
        resources++;
        problems.addAll(c.problems());
      }
      for (ConfigError p : problems) {
        System.out.println((p.isError() ? "error: " : "warning: ") + p);
        if (p.isError()) {
          errors++;
        } else {
          warnings++;
        }
      }
    }
    System.out.printf("%d resources checked: %d errors, %d warnings%n", resources, errors, warnings);
    return errors > 0 ? 1 : 0;
  }

  private static List<Path> files(List<String> paths) throws IOException {
    List<Path> out = new ArrayList<>();
    for (String p : paths) {
      Path path = Path.of(p);
      if (!Files.exists(path)) {
        throw new Args.UsageException(p + " does not exist");
      }
      try (Stream<Path> s = Files.walk(path)) {
        s.filter(Files::isRegularFile)
            .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml") || f.equals(path))
            .sorted()
            .forEach(out::add);
      }
    }
    return out;
  }
}
