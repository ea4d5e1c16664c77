package io.bosun.intercept;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The iptables rules that put a sidecar in a pod's path, as {@code iptables-restore} input for the
 * nat table: inbound TCP is redirected to the proxy's inbound port, outbound TCP to its outbound
 * port. Traffic the proxy itself makes (its uid/gid) is never redirected, nor are its own ports.
 * Pure: the same options always give the same text.
 *
 * @param proxyUid             uid of the proxy process; its outbound traffic bypasses capture
 * @param proxyGid             gid of the proxy process
 * @param inboundCapturePort   where inbound connections go (virtualInbound, 15006)
 * @param outboundCapturePort  where outbound connections go (virtualOutbound, 15001)
 * @param includeInboundPorts  {@code *} for every port, or the ports to capture; empty captures none
 * @param excludeInboundPorts  inbound ports never captured (the proxy's own are always added)
 * @param includeOutboundRanges {@code *} for every destination, or CIDRs; empty captures none
 * @param excludeOutboundRanges destinations never captured
 * @param excludeOutboundPorts destination ports never captured
 */
public record InterceptionRules(int proxyUid, int proxyGid, int inboundCapturePort, int outboundCapturePort,
                                List<String> includeInboundPorts, List<String> excludeInboundPorts,
                                List<String> includeOutboundRanges, List<String> excludeOutboundRanges,
                                List<String> excludeOutboundPorts) {
  /** Ports of the proxy itself that are never captured: HBONE, stats, health, agent. */
  public static final List<String> PROXY_PORTS = List.of("15008", "15090", "15021", "15020");
  /** Source of the proxy's connections to the app; they must reach the app, not loop back to the proxy. */
  public static final String INBOUND_SOURCE = "127.0.0.6/32";
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Pattern CIDR = Pattern.compile("([0-9]{1,3}\\.){3}[0-9]{1,3}(/[0-9]{1,2})?");

  public InterceptionRules {
    includeInboundPorts = List.copyOf(includeInboundPorts);
    excludeInboundPorts = List.copyOf(excludeInboundPorts);
    includeOutboundRanges = List.copyOf(includeOutboundRanges);
    excludeOutboundRanges = List.copyOf(excludeOutboundRanges);
    excludeOutboundPorts = List.copyOf(excludeOutboundPorts);
    checkPorts(includeInboundPorts, "include inbound ports", true);
    checkPorts(excludeInboundPorts, "exclude inbound ports", false);
    checkPorts(excludeOutboundPorts, "exclude outbound ports", false);
    checkRanges(includeOutboundRanges, "include outbound IP ranges", true);
    checkRanges(excludeOutboundRanges, "exclude outbound IP ranges", false);
  }

  /** Istio's defaults: proxy uid/gid 1337, capture every port and destination. */
  public static InterceptionRules defaults() {
    return new InterceptionRules(1337, 1337, 15006, 15001, List.of("*"), List.of(), List.of("*"), List.of(), List.of());
  }

  /** Splits a comma-separated option value (as annotations carry them), dropping blanks. */
  public static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    if (csv == null) {
      return out;
    }
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /** The rules as {@code iptables-restore} input (nat table only). */
  public String render() {
    List<String> r = new ArrayList<>();
    r.add("*nat");
    for (String chain : List.of("BOSUN_INBOUND", "BOSUN_IN_REDIRECT", "BOSUN_OUTPUT", "BOSUN_REDIRECT")) {
      r.add(":" + chain + " - [0:0]");
    }
    r.add("-A BOSUN_IN_REDIRECT -p tcp -j REDIRECT --to-ports " + inboundCapturePort);
    r.add("-A BOSUN_REDIRECT -p tcp -j REDIRECT --to-ports " + outboundCapturePort);

    // inbound: connections arriving at the pod
    if (!includeInboundPorts.isEmpty()) {
      r.add("-A PREROUTING -p tcp -j BOSUN_INBOUND");
      Set<String> excluded = new LinkedHashSet<>(PROXY_PORTS);
      excluded.addAll(excludeInboundPorts);
      if (includeInboundPorts.contains("*")) {
        excluded.forEach(p -> r.add("-A BOSUN_INBOUND -p tcp --dport " + p + " -j RETURN"));
        r.add("-A BOSUN_INBOUND -p tcp -j BOSUN_IN_REDIRECT");
      } else {
        includeInboundPorts.stream().filter(p -> !excluded.contains(p))
            .forEach(p -> r.add("-A BOSUN_INBOUND -p tcp --dport " + p + " -j BOSUN_IN_REDIRECT"));
      }
    }

    // outbound: connections the pod makes
    r.add("-A OUTPUT -p tcp -j BOSUN_OUTPUT");
    // the proxy's own connections to the app (from 127.0.0.6) go straight to the app
    r.add("-A BOSUN_OUTPUT -s " + INBOUND_SOURCE + " -o lo -j RETURN");
    // the proxy calling a service whose endpoint is this very pod: treat it as inbound, so the
    // inbound side's policies apply, as they would for any other caller
    r.add("-A BOSUN_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner " + proxyUid + " -j BOSUN_IN_REDIRECT");
    // the app talking to itself over loopback is none of the mesh's business
    r.add("-A BOSUN_OUTPUT -o lo -m owner ! --uid-owner " + proxyUid + " -j RETURN");
    r.add("-A BOSUN_OUTPUT -m owner --uid-owner " + proxyUid + " -j RETURN");
    r.add("-A BOSUN_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --gid-owner " + proxyGid + " -j BOSUN_IN_REDIRECT");
    r.add("-A BOSUN_OUTPUT -o lo -m owner ! --gid-owner " + proxyGid + " -j RETURN");
    r.add("-A BOSUN_OUTPUT -m owner --gid-owner " + proxyGid + " -j RETURN");
    r.add("-A BOSUN_OUTPUT -d 127.0.0.1/32 -j RETURN");
    excludeOutboundPorts.forEach(p -> r.add("-A BOSUN_OUTPUT -p tcp --dport " + p + " -j RETURN"));
    excludeOutboundRanges.forEach(c -> r.add("-A BOSUN_OUTPUT -d " + c + " -j RETURN"));
    if (includeOutboundRanges.contains("*")) {
      r.add("-A BOSUN_OUTPUT -j BOSUN_REDIRECT");
    } else {
      includeOutboundRanges.forEach(c -> r.add("-A BOSUN_OUTPUT -d " + c + " -j BOSUN_REDIRECT"));
    }
    r.add("COMMIT");
    return String.join("\n", r) + "\n";
  }

  private static void checkPorts(List<String> ports, String what, boolean starAllowed) {
    for (String p : ports) {
      boolean ok = starAllowed && p.equals("*") || PORT.matcher(p).matches() && Integer.parseInt(p) >= 1
          && Integer.parseInt(p) <= 65535;
      if (!ok) {
        throw new IllegalArgumentException(what + ": \"" + p + "\" is not a port" + (starAllowed ? " or *" : ""));
      }
    }
  }

  private static void checkRanges(List<String> ranges, String what, boolean starAllowed) {
    for (String c : ranges) {
      boolean ok = starAllowed && c.equals("*") || CIDR.matcher(c).matches() && octetsOk(c);
      if (!ok) {
        throw new IllegalArgumentException(what + ": \"" + c + "\" is not an IPv4 CIDR" + (starAllowed ? " or *" : ""));
      }
    }
  }

  private static boolean octetsOk(String cidr) {
    String[] parts = cidr.split("/");
    for (String o : parts[0].split("\\.")) {
      if (Integer.parseInt(o) > 255) {
        return false;
      }
    }
    return parts.length == 1 || Integer.parseInt(parts[1]) <= 32;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "interception(uid %d, inbound %s -> %d, outbound %s -> %d)", proxyUid,
        includeInboundPorts, inboundCapturePort, includeOutboundRanges, outboundCapturePort);
  }
}
