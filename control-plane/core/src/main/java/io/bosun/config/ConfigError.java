package io.bosun.config;

import io.bosun.model.ResourceRef;
/**
 * A problem with one configuration object, located by field path (e.g.
 * {@code spec.http[0].match[1].uri.regex}). {@code ref} is null when the object could not even
 * be identified (a file that is not YAML); {@code source} is the file or "kubernetes".
 */
public record ConfigError(Severity severity, String source, ResourceRef ref, String field,
                          String message) {

  public enum Severity { ERROR, WARNING }

  /** Longer messages are cut: an error must never echo a 200 KB value into logs and pages (finding 14). */
  static final int MAX_MESSAGE = 2_000;

  public ConfigError {
    if (message != null && message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "... (" + message.length() + " characters)";
    }
  }

  public static ConfigError error(String source, ResourceRef ref, String field, String message) {
    return new ConfigError(Severity.ERROR, source, ref, field, message);
  }

  public static ConfigError warning(String source, ResourceRef ref, String field, String message) {
    return new ConfigError(Severity.WARNING, source, ref, field, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** One line: {@code file: Kind ns/name: field: message}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (source != null && !source.isEmpty()) {
      sb.append(source).append(": ");
    }
    if (ref != null) {
      sb.append(ref).append(": ");
    }
    if (field != null && !field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(message).toString();
  }
}
