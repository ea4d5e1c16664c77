package io.bosun.logging;

/**
 * Text from clients (node ids, NACK messages) made safe for a log line: control characters
 * (a newline could forge a line) are escaped, and very long values are cut.
 */
public final class LogSafe {
  private static final int MAX = 1_000;

  private LogSafe() {
  }

  public static String escape(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = null;
    int n = Math.min(s.length(), MAX);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
        if (out == null) {
          out = new StringBuilder(s.substring(0, i));
        }
        switch (c) {
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> out.append(String.format("\\u%04x", (int) c));
        }
      } else if (out != null) {
        out.append(c);
      }
    }
    String result = out == null ? s.substring(0, n) : out.toString();
    return s.length() > MAX ? result + "...(" + s.length() + " characters)" : result;
  }
}
