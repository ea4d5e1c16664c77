package io.bosun.config;

import io.bosun.model.ResourceRef;
import java.util.ArrayList;
import java.util.List;

/** Collects the errors and warnings found while converting one object. */
final class Problems {
  private final String source;
  private final ResourceRef ref;
  private final List<ConfigError> list = new ArrayList<>();

  Problems(String source, ResourceRef ref) {
    this.source = source;
    this.ref = ref;
  }

  void error(String field, String message) {
    list.add(ConfigError.error(source, ref, field, message));
  }

  void warning(String field, String message) {
    list.add(ConfigError.warning(source, ref, field, message));
  }

  String source() {
    return source;
  }

  boolean hasErrors() {
    return list.stream().anyMatch(ConfigError::isError);
  }

  List<ConfigError> all() {
    return List.copyOf(list);
  }

  /** A user's value as quoted in a message: long values are cut, so a message never echoes a huge input. */
  static String truncate(String value) {
    return value.length() <= 120 ? value : value.substring(0, 100) + "... (" + value.length() + " characters)";
  }
}
