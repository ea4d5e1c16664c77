package io.bosun.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's duration strings: one or more number+unit pairs, e.g. {@code 10s}, {@code 1.5s}, {@code 1m30s},
 * {@code 250ms}.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
  private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ns|us|µs|ms|s|m|h))+");

  private Durations() {
  }

  /** The duration, or null when {@code text} is not one. */
  public static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      return null;
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      BigDecimal n = new BigDecimal(m.group(1));
      long unit = switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "µs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** Checks a duration field that must be at least 1 ms, as Istio requires; null (unset) is fine. */
  static Duration check(String text, String field, Problems problems) {
    if (text == null) {
      return null;
    }
    Duration d = parse(text);
    if (d == null) {
      problems.error(field, "invalid duration \"" + text + "\": a number and a unit (ms, s, m, h), e.g. 1.5s");
      return null;
    }
    if (d.compareTo(Duration.ofMillis(1)) < 0) {
      problems.error(field, "duration must be at least 1ms");
      return null;
    }
    return d;
  }
}
