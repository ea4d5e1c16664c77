package io.bosun.explain;

import java.util.List;

/** {@code bosunctl explain}'s text: one step per line, the routes checked with why each did not match. */
public final class ExplanationText {
  private ExplanationText() {
  }

  public static String render(Explanation e) {
    StringBuilder out = new StringBuilder();
    line(out, "Proxy", e.proxy());
    line(out, "Request", e.request());
    step(out, "Listener", e.listener());
    step(out, "Filter chain", e.filterChain());
    if (e.routeConfig() != null) {
      line(out, "Route config", e.routeConfig());
    }
    step(out, "Virtual host", e.virtualHost());
    if (!e.routes().isEmpty()) {
      out.append("Routes checked:\n");
      for (Explanation.RouteCheck r : e.routes()) {
        String name = r.name().isEmpty() ? "(unnamed)" : r.name();
        out.append(String.format("  #%-3d %-24s %s%n", r.index(), name, r.match()));
        if (r.matched()) {
          out.append("        MATCHED\n");
        } else {
          r.reasons().forEach(reason -> out.append("        no: ").append(reason).append('\n'));
        }
      }
    }
    line(out, "Action", e.action().summary());
    e.action().details().forEach(d -> out.append("  ").append(d).append('\n'));
    for (Explanation.ClusterInfo c : e.clusters()) {
      String weight = e.clusters().size() > 1 ? " " + c.weight() + "%" : "";
      line(out, "Cluster", c.name() + weight + (c.type().isEmpty() ? "" : " (" + c.type() + ", " + c.transport()
          + ")"));
      if (!c.note().isEmpty()) {
        out.append("  ").append(c.note()).append('\n');
      }
      for (Explanation.EndpointInfo ep : c.endpoints()) {
        out.append("  endpoint ").append(ep.address()).append(' ').append(ep.health());
        if (!ep.locality().isEmpty()) {
          out.append(" locality ").append(ep.locality());
        }
        if (ep.priority() > 0) {
          out.append(" priority ").append(ep.priority());
        }
        if (!ep.tlsMode().isEmpty()) {
          out.append(" tlsMode ").append(ep.tlsMode());
        }
        out.append('\n');
      }
    }
    List<String> notes = e.notes();
    if (!notes.isEmpty()) {
      out.append("Notes:\n");
      notes.forEach(n -> out.append("  - ").append(n).append('\n'));
    }
    return out.toString();
  }

  private static void step(StringBuilder out, String label, Explanation.Step s) {
    if (s != null) {
      line(out, label, s.name() + "  (" + s.why() + ")");
    }
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append(String.format("%-14s%s%n", label + ":", value));
  }
}
