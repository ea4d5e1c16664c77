package io.bosun.config;

/**
 * Bounds checked on a regex's text before anything compiles it (findings 3 and 14): compiling a
 * regex nested thousands of groups deep overflows the stack, and compiling a huge literal or a
 * nested repetition such as {@code ((a{100}){100}){100}} (a million instructions) takes seconds,
 * on the thread that applies everyone's config. None of these could pass Envoy's program-size
 * limit of 100 anyway, so refusing them early loses nothing.
 */
final class RegexLimits {
  /** A regex Envoy accepts is at most about 100 instructions: this many characters is far beyond. */
  static final int MAX_LENGTH = 1024;
  /** RE2's own limit is 1000; a stack-safe bound far above anything a route needs. */
  static final int MAX_NESTING = 64;
  /** RE2 refuses nested repetitions whose counts multiply past 1000 ("bad repetition operator"). */
  static final long MAX_REPEAT = 1000;

  private RegexLimits() {
  }

  /** Why {@code regex} is refused before compiling, or null when it may be compiled. */
  static String problem(String regex) {
    if (regex.length() > MAX_LENGTH) {
      return "is " + regex.length() + " characters long; the limit is " + MAX_LENGTH
          + " (Envoy's program-size limit of 100 rules out anything near that long)";
    }
    // one frame per open group: the largest repetition product inside it so far
    long[] inner = new long[MAX_NESTING + 2];
    int depth = 0;
    inner[0] = 1;
    int i = 0;
    int n = regex.length();
    while (i < n) {
      char c = regex.charAt(i);
      long atom;
      if (c == '\\') {
        i += 2; // an escape is one atom (\pL, \x41 and friends are still short)
        atom = 1;
      } else if (c == '[') {
        i = classEnd(regex, i);
        atom = 1;
      } else if (c == '(') {
        depth++;
        if (depth > MAX_NESTING) {
          return "nests groups more than " + MAX_NESTING + " deep";
        }
        inner[depth] = 1;
        i++;
        continue;
      } else if (c == ')') {
        if (depth == 0) {
          return null; // unbalanced: let the compiler say so
        }
        atom = inner[depth];
        depth--;
        i++;
      } else {
        i++;
        atom = 1;
      }
      // a counted repetition right after the atom multiplies it
      if (i < n && regex.charAt(i) == '{') {
        int close = regex.indexOf('}', i);
        long count = close < 0 ? -1 : repeatCount(regex.substring(i + 1, close));
        if (count >= 0) {
          atom = Math.multiplyExact(atom, Math.max(1, count));
          i = close + 1;
        }
      }
      if (atom > MAX_REPEAT) {
        return "repeats nested repetitions more than " + MAX_REPEAT + " times (RE2: bad repetition operator)";
      }
      inner[depth] = Math.max(inner[depth], atom);
    }
    return null;
  }

  /** The index after the character class that starts at {@code start}. */
  private static int classEnd(String regex, int start) {
    int i = start + 1;
    if (i < regex.length() && regex.charAt(i) == '^') {
      i++;
    }
    if (i < regex.length() && regex.charAt(i) == ']') {
      i++; // a leading ] is a literal
    }
    while (i < regex.length()) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '[' && i + 1 < regex.length() && regex.charAt(i + 1) == ':') {
        int end = regex.indexOf(":]", i + 2);
        i = end < 0 ? i + 1 : end + 2;
      } else if (c == ']') {
        return i + 1;
      } else {
        i++;
      }
    }
    return i;
  }

  /** The larger bound of {@code n}, {@code n,} or {@code n,m}; -1 when it is not a repetition. */
  private static long repeatCount(String body) {
    if (!body.matches("[0-9]{1,9}(,[0-9]{0,9})?")) {
      return -1;
    }
    String[] parts = body.split(",", -1);
    long max = Long.parseLong(parts[0]);
    if (parts.length == 2 && !parts[1].isEmpty()) {
      max = Math.max(max, Long.parseLong(parts[1]));
    }
    return max;
  }
}
