package io.bosun.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Option;

/**
 * Colour in command output (not only help): on when standard output is a terminal, {@code NO_COLOR}
 * is unset and {@code TERM} is not {@code dumb}, and never with {@code --no-color}. Only the words
 * that matter are coloured: SYNCED, STALE, ERROR, and a leading error or warning.
 */
final class Colours {
  @Option(names = "--no-color", description = "No colour in the output, even on a terminal (as NO_COLOR does).")
  boolean noColor;

  /** The choice for this process's standard output. */
  Ansi ansi() {
    return choose(noColor, System.console() != null, System.getenv());
  }

  static Ansi choose(boolean noColor, boolean terminal, Map<String, String> env) {
    String noColorEnv = env.get("NO_COLOR");
    boolean off = noColor || !terminal || (noColorEnv != null && !noColorEnv.isEmpty())
        || "dumb".equals(env.get("TERM"));
    return off ? Ansi.OFF : Ansi.ON;
  }

  /** A table cell: a sync state coloured, anything else as it is. */
  static String state(Ansi ansi, String cell) {
    return switch (cell) {
      case "SYNCED" -> ansi.string("@|green SYNCED|@");
      case "STALE" -> ansi.string("@|yellow STALE|@");
      case "ERROR" -> ansi.string("@|bold,red ERROR|@");
      default -> cell;
    };
  }

  /** A line whose first word is {@code Error:}/{@code Warning:} (any case), that word coloured. */
  static String line(Ansi ansi, String line) {
    int colon = line.indexOf(':');
    String word = colon < 0 ? "" : line.substring(0, colon);
    String style = switch (word.toLowerCase(Locale.ROOT)) {
      case "error" -> "bold,red";
      case "warning" -> "yellow";
      default -> null;
    };
    return style == null ? line : ansi.string("@|" + style + " " + word + ":|@") + line.substring(colon + 1);
  }
}
