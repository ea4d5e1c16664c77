package io.bosun.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} / {@code --name=value} options of one command; unknown options are an error. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(List<String> args, Set<String> known) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + a + "\"");
      }
      String name;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(2, eq);
        value = a.substring(eq + 1);
      } else {
        name = a.substring(2);
        if (i + 1 >= args.size()) {
          throw new UsageException("option --" + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (!known.contains(name)) {
        throw new UsageException("unknown option --" + name);
      }
      values.put(name, value);
    }
  }

  /** Every option given, by name. */
  java.util.Map<String, String> all() {
    return java.util.Map.copyOf(values);
  }

  String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  String require(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new UsageException("option --" + name + " is required");
    }
    return v;
  }

  int port(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int p = Integer.parseInt(v);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new UsageException("option --" + name + ": \"" + v + "\" is not a port number");
    }
  }

  /** A positive whole number. */
  int count(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("option --" + name + ": \"" + v + "\" is not a positive number");
    }
  }

  boolean bool(String name, boolean fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new UsageException("option --" + name + ": \"" + v + "\" is not true or false");
    };
  }

  /** A duration such as {@code 500ms}, {@code 90s}, {@code 30m}, {@code 24h}. */
  java.time.Duration duration(String name, java.time.Duration fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h)").matcher(v);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new UsageException("option --" + name + ": \"" + v + "\" is not a duration such as 500ms, 90s, 30m or 24h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> java.time.Duration.ofMillis(n);
      case "s" -> java.time.Duration.ofSeconds(n);
      case "m" -> java.time.Duration.ofMinutes(n);
      default -> java.time.Duration.ofHours(n);
    };
  }

  /** A comma-separated list. */
  java.util.List<String> list(String name, java.util.List<String> fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    java.util.List<String> out = java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty())
        .toList();
    if (out.isEmpty()) {
      throw new UsageException("option --" + name + " needs at least one value");
    }
    return out;
  }

  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
