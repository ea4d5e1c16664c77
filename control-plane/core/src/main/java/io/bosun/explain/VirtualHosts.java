package io.bosun.explain;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.Locale;
import java.util.Optional;

/**
 * Envoy's virtual host choice by the Host header (case-insensitive): an exact domain, else the
 * longest suffix wildcard ({@code *.example.com}), else the longest prefix wildcard
 * ({@code example.*}), else {@code *}.
 */
final class VirtualHosts {
  private VirtualHosts() {
  }

  record Choice(VirtualHost host, String why) {
  }

  static Optional<Choice> select(RouteConfiguration rc, String authority, boolean stripPort) {
    String host = authority.toLowerCase(Locale.ROOT);
    if (stripPort) {
      host = stripPort(host);
    }
    String h = host;
    for (VirtualHost v : rc.getVirtualHostsList()) {
      for (String d : v.getDomainsList()) {
        if (d.equalsIgnoreCase(h)) {
          return Optional.of(new Choice(v, "domain " + d + " is the Host"));
        }
      }
    }
    Choice best = null;
    int bestLength = -1;
    for (VirtualHost v : rc.getVirtualHostsList()) {
      for (String d : v.getDomainsList()) {
        String suffix = d.substring(1).toLowerCase(Locale.ROOT);
        if (d.length() > 1 && d.startsWith("*") && h.length() > suffix.length() && h.endsWith(suffix)
            && suffix.length() > bestLength) {
          best = new Choice(v, "domain " + d + " is the longest wildcard suffix of the Host " + h);
          bestLength = suffix.length();
        }
      }
    }
    if (best == null) {
      for (VirtualHost v : rc.getVirtualHostsList()) {
        for (String d : v.getDomainsList()) {
          String prefix = d.substring(0, d.length() - 1).toLowerCase(Locale.ROOT);
          if (d.length() > 1 && d.endsWith("*") && h.length() > prefix.length() && h.startsWith(prefix)
              && prefix.length() > bestLength) {
            best = new Choice(v, "domain " + d + " is the longest wildcard prefix of the Host " + h);
            bestLength = prefix.length();
          }
        }
      }
    }
    if (best != null) {
      return Optional.of(best);
    }
    for (VirtualHost v : rc.getVirtualHostsList()) {
      if (v.getDomainsList().contains("*")) {
        return Optional.of(new Choice(v, "no other domain matches the Host " + h + ": the catch-all *"));
      }
    }
    return Optional.empty();
  }

  private static String stripPort(String host) {
    int colon = host.lastIndexOf(':');
    int bracket = host.lastIndexOf(']');
    return colon > bracket && colon > 0 ? host.substring(0, colon) : host;
  }
}
