package io.bosun.monitoring;

import java.util.Map;
import java.util.TreeMap;

/** Prometheus text exposition, written by hand: a few gauges and counters need no library. */
public final class Metrics {
  private final StringBuilder out = new StringBuilder();

  public Metrics gauge(String name, String help, double value) {
    return family(name, help, "gauge", Map.of(Map.of(), value));
  }

  public Metrics counter(String name, String help, double value) {
    return family(name, help, "counter", Map.of(Map.of(), value));
  }

  /** A metric with one sample per label set. */
  public Metrics family(String name, String help, String type, Map<Map<String, String>, Double> samples) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    samples.entrySet().stream()
        .sorted(Map.Entry.comparingByKey((a, b) -> new TreeMap<>(a).toString().compareTo(new TreeMap<>(b).toString())))
        .forEach(s -> {
          out.append(name);
          if (!s.getKey().isEmpty()) {
            out.append('{');
            String sep = "";
            for (Map.Entry<String, String> l : new TreeMap<>(s.getKey()).entrySet()) {
              out.append(sep).append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
              sep = ",";
            }
            out.append('}');
          }
          out.append(' ').append(format(s.getValue())).append('\n');
        });
    return this;
  }

  private static String format(double v) {
    return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
