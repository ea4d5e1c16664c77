package io.bosun.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The YAML files the user named: each file itself, and every *.yaml / *.yml below each directory, sorted. */
final class YamlFiles {
  private YamlFiles() {
  }

  static List<Path> list(List<Path> paths) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new IllegalArgumentException(path + " does not exist");
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
