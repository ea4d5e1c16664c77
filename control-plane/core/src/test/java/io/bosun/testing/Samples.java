package io.bosun.testing;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Loads the repository's samples/ as standalone mode does: every YAML file of a directory, in name order. */
public final class Samples {
  private Samples() {
  }

  /** The repository root, found from the module a test runs in. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !(Files.isDirectory(dir.resolve("samples")) && Files.isDirectory(dir.resolve(".mvn")))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /** The validation corpus (valid/, invalid/) of control-plane/core's tests. */
  public static Path validationCorpus() {
    return root().resolve("control-plane/core/src/test/resources/validation");
  }

  public static Path dir(String name) {
    return root().resolve("samples").resolve(name);
  }

  public static ConfigStore load(String name) {
    ConfigParser parser = new ConfigParser();
    List<Conversion> conversions = new ArrayList<>();
    List<ConfigError> errors = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir(name))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
          .toList()) {
        ConfigParser.Parsed parsed = parser.parse(f.getFileName().toString(), Files.readString(f));
        conversions.addAll(parsed.conversions());
        errors.addAll(parsed.fileErrors());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ConfigStore store = new ConfigStore();
    store.replaceAll(conversions, errors);
    return store;
  }

  /** A store holding just the given YAML. */
  public static ConfigStore fromYaml(String yaml) {
    ConfigStore store = new ConfigStore();
    ConfigParser.Parsed parsed = new ConfigParser().parse("test.yaml", yaml);
    store.replaceAll(parsed.conversions(), parsed.fileErrors());
    return store;
  }
}
