package io.bosun.config;

import io.bosun.model.MeshResource;
import io.bosun.model.ResourceRef;
import java.util.List;

/**
 * The outcome of converting one object: the model value when it is valid (warnings allowed),
 * otherwise none and at least one error.
 */
public record Conversion(String source, ResourceRef ref, MeshResource value, List<ConfigError> problems) {
  public Conversion {
    problems = List.copyOf(problems);
  }

  static Conversion of(ResourceRef ref, MeshResource value, Problems problems) {
    return new Conversion(problems.source(), ref, problems.hasErrors() ? null : value, problems.all());
  }

  public boolean valid() {
    return value != null;
  }

  public List<ConfigError> errors() {
    return problems.stream().filter(ConfigError::isError).toList();
  }
}
