package io.bosun.testing;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.sources.file.FileConfigSource;
import java.nio.file.Path;

/** Loads the repository's samples/ the way standalone mode does. */
public final class Samples {
  private Samples() {
  }

  public static Path dir(String name) {
    return Path.of("..", "samples", name).normalize();
  }

  public static ConfigStore load(String name) {
    ConfigStore store = new ConfigStore();
    new FileConfigSource(dir(name), new ConfigParser(), store).scan();
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
