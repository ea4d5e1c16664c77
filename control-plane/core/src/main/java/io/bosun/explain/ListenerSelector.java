package io.bosun.explain;

import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which listener takes a connection and which of its filter chains serves it, by Envoy's rules:
 * a sidecar's {@code virtualOutbound} hands a captured connection to the listener of its original
 * destination (that IP and port, else {@code 0.0.0.0} and the port); a gateway's listener is the
 * one bound to the port. A filter chain is chosen criterion by criterion (destination port, IP,
 * server name, transport protocol, application protocols, then the source), the most specific
 * match winning at each step with no going back.
 */
final class ListenerSelector {
  private static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  private static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";

  private ListenerSelector() {
  }

  /** The listener and why, or empty with {@code why} saying what was missing. */
  record Choice(Listener listener, String why) {
  }

  /** The chosen filter chain (or {@code null}: the connection is closed) and why. */
  record ChainChoice(FilterChain chain, String name, String why) {
  }

  static Optional<Choice> listener(List<Listener> listeners, boolean sidecar, ExplainRequest r, String address,
                                   List<String> why) {
    if (sidecar) {
      Optional<Listener> capture = listeners.stream().filter(l -> l.getUseOriginalDst().getValue()).findFirst();
      List<Listener> handoff = listeners.stream()
          .filter(l -> !l.getBindToPort().getValue() && l.hasBindToPort() && port(l) == r.port()).toList();
      if (address != null) {
        Optional<Listener> exact = handoff.stream().filter(l -> sameIp(ip(l), address)).findFirst();
        if (exact.isPresent()) {
          return Optional.of(new Choice(exact.get(), "captured by " + capture.map(Listener::getName)
              .orElse("the outbound capture") + " and handed to the listener of its original destination "
              + address + ":" + r.port()));
        }
      }
      Optional<Listener> wildcard = handoff.stream().filter(l -> isWildcard(ip(l))).findFirst();
      if (wildcard.isPresent()) {
        return Optional.of(new Choice(wildcard.get(), "captured by " + capture.map(Listener::getName)
            .orElse("the outbound capture") + " and handed to the listener of port " + r.port()
            + (address == null ? " (no listener is specific to the destination's address)"
            : " (none is specific to " + address + ")")));
      }
      if (capture.isPresent()) {
        return Optional.of(new Choice(capture.get(), "no listener for port " + r.port()
            + ": the outbound capture listener serves the connection itself"));
      }
      why.add("the proxy has no outbound capture listener (use_original_dst) and no listener for port " + r.port());
      return Optional.empty();
    }
    List<Listener> bound = listeners.stream()
        .filter(l -> (!l.hasBindToPort() || l.getBindToPort().getValue()) && port(l) == r.port()).toList();
    Optional<Listener> exact = address == null ? Optional.empty()
        : bound.stream().filter(l -> sameIp(ip(l), address)).findFirst();
    Optional<Listener> chosen = exact.or(() -> bound.stream().filter(l -> isWildcard(ip(l))).findFirst())
        .or(() -> bound.stream().findFirst());
    if (chosen.isEmpty()) {
      why.add("no listener is bound to port " + r.port() + " (listeners: "
          + listeners.stream().map(l -> l.getName() + " on " + port(l)).toList() + ")");
      return Optional.empty();
    }
    return Optional.of(new Choice(chosen.get(), "bound to " + ip(chosen.get()) + ":" + r.port()));
  }

  /** The filter chain Envoy picks for the request's connection on {@code l}. */
  static ChainChoice chain(Listener l, ExplainRequest r, String address, List<String> notes) {
    boolean tlsInspector = hasFilter(l, TLS_INSPECTOR);
    boolean httpInspector = hasFilter(l, HTTP_INSPECTOR);
    boolean tls = r.scheme().equals("https");
    String transport = tls && tlsInspector ? "tls" : "raw_buffer";
    String sni = tls && tlsInspector && bytes(r.host()).isEmpty() ? r.host().toLowerCase(Locale.ROOT) : "";
    List<String> alpn = tls && tlsInspector ? List.of("h2", "http/1.1")
        : !tls && httpInspector ? List.of("http/1.1") : List.of();
    String destination = address != null ? address : isWildcard(ip(l)) ? null : ip(l);

    List<String> why = new ArrayList<>();
    List<FilterChain> c = List.copyOf(l.getFilterChainsList());
    c = narrow(c, why, "destination port " + r.port(), m -> m.hasDestinationPort(),
        m -> m.getDestinationPort().getValue() == r.port());
    c = byPrefix(c, why, destination, notes);
    c = byServerName(c, why, sni);
    c = narrow(c, why, "transport protocol " + transport, m -> !m.getTransportProtocol().isEmpty(),
        m -> m.getTransportProtocol().equals(transport));
    c = narrow(c, why, "application protocol " + alpn, m -> m.getApplicationProtocolsCount() > 0,
        m -> m.getApplicationProtocolsList().stream().anyMatch(alpn::contains));
    c = bySource(c, notes);
    if (c.isEmpty()) {
      if (l.hasDefaultFilterChain()) {
        return new ChainChoice(l.getDefaultFilterChain(), chainName(l.getDefaultFilterChain(), -1),
            "no filter chain matches (" + String.join("; ", why) + "): the listener's default chain");
      }
      return new ChainChoice(null, null, "no filter chain matches (" + String.join("; ", why)
          + ") and there is no default chain: Envoy closes the connection");
    }
    FilterChain chosen = c.get(0);
    int index = l.getFilterChainsList().indexOf(chosen);
    String reason = why.isEmpty() ? l.getFilterChainsCount() == 1 ? "the listener's only filter chain"
        : "the first chain that matches everything" : String.join("; ", why);
    return new ChainChoice(chosen, chainName(chosen, index), reason);
  }

  private static String chainName(FilterChain chain, int index) {
    if (!chain.getName().isEmpty()) {
      return chain.getName();
    }
    return index < 0 ? "default" : "#" + index;
  }

  /**
   * Keeps the chains whose criterion matches; when none has the criterion set to a matching value,
   * the chains without the criterion.
   */
  private static List<FilterChain> narrow(List<FilterChain> chains, List<String> why, String what,
                                          Predicate<FilterChainMatch> set, Predicate<FilterChainMatch> matches) {
    List<FilterChain> specific = chains.stream()
        .filter(f -> set.test(f.getFilterChainMatch()) && matches.test(f.getFilterChainMatch())).toList();
    if (!specific.isEmpty()) {
      why.add(what + " matched");
      return specific;
    }
    List<FilterChain> any = chains.stream().filter(f -> !set.test(f.getFilterChainMatch())).toList();
    if (any.size() < chains.size() && !any.isEmpty()) {
      why.add("no chain for " + what + ", so one without that condition");
    } else if (any.isEmpty() && !chains.isEmpty()) {
      why.add("no chain accepts " + what);
    }
    return any;
  }

  private static List<FilterChain> byPrefix(List<FilterChain> chains, List<String> why, String ip,
                                            List<String> notes) {
    if (chains.stream().noneMatch(f -> f.getFilterChainMatch().getPrefixRangesCount() > 0)) {
      return chains;
    }
    if (ip == null) {
      notes.add("the destination address is unknown, so chains for specific destination addresses were not"
          + " considered; give --address IP");
      return narrow(chains, why, "destination address", m -> m.getPrefixRangesCount() > 0, m -> false);
    }
    Function<FilterChain, Integer> longest = f -> f.getFilterChainMatch().getPrefixRangesList().stream()
        .filter(range -> contains(range, ip)).mapToInt(range -> range.getPrefixLen().getValue()).max().orElse(-1);
    int best = chains.stream().mapToInt(longest::apply).max().orElse(-1);
    if (best >= 0) {
      why.add("destination address " + ip + " matched /" + best);
      int chosen = best;
      return chains.stream().filter(f -> longest.apply(f) == chosen).toList();
    }
    return narrow(chains, why, "destination address " + ip, m -> m.getPrefixRangesCount() > 0, m -> false);
  }

  private static List<FilterChain> byServerName(List<FilterChain> chains, List<String> why, String sni) {
    if (!sni.isEmpty()) {
      List<FilterChain> exact = chains.stream()
          .filter(f -> f.getFilterChainMatch().getServerNamesList().stream().anyMatch(sni::equalsIgnoreCase))
          .toList();
      if (!exact.isEmpty()) {
        why.add("server name " + sni + " matched");
        return exact;
      }
      // then the longest wildcard: *.b.example.com before *.example.com
      for (int dot = sni.indexOf('.'); dot >= 0; dot = sni.indexOf('.', dot + 1)) {
        String wildcard = "*" + sni.substring(dot);
        List<FilterChain> wild = chains.stream()
            .filter(f -> f.getFilterChainMatch().getServerNamesList().stream().anyMatch(wildcard::equalsIgnoreCase))
            .toList();
        if (!wild.isEmpty()) {
          why.add("server name " + sni + " matched " + wildcard);
          return wild;
        }
      }
    }
    return narrow(chains, why, sni.isEmpty() ? "no server name" : "server name " + sni,
        m -> m.getServerNamesCount() > 0, m -> false);
  }

  /** The source of a connection is not part of a request to explain: chains that do not care about it win. */
  private static List<FilterChain> bySource(List<FilterChain> chains, List<String> notes) {
    List<FilterChain> any = chains.stream().filter(f -> {
      FilterChainMatch m = f.getFilterChainMatch();
      return m.getSourcePrefixRangesCount() == 0 && m.getDirectSourcePrefixRangesCount() == 0
          && m.getSourcePortsCount() == 0 && m.getSourceTypeValue() == 0;
    }).toList();
    if (any.isEmpty() && !chains.isEmpty()) {
      notes.add("the chosen filter chain also depends on the client's address, which was not evaluated");
      return chains;
    }
    return any;
  }

  private static boolean hasFilter(Listener l, String name) {
    return l.getListenerFiltersList().stream().anyMatch(f -> f.getName().equals(name));
  }

  static int port(Listener l) {
    return l.getAddress().getSocketAddress().getPortValue();
  }

  static String ip(Listener l) {
    SocketAddress a = l.getAddress().getSocketAddress();
    return a.getAddress();
  }

  static boolean isWildcard(String ip) {
    return ip.equals("0.0.0.0") || ip.equals("::");
  }

  private static boolean sameIp(String a, String b) {
    Optional<byte[]> x = bytes(a);
    Optional<byte[]> y = bytes(b);
    return x.isPresent() && y.isPresent() && Arrays.equals(x.get(), y.get());
  }

  static boolean contains(CidrRange range, String ip) {
    Optional<byte[]> net = bytes(range.getAddressPrefix());
    Optional<byte[]> addr = bytes(ip);
    if (net.isEmpty() || addr.isEmpty() || net.get().length != addr.get().length) {
      return false;
    }
    int bits = net.get().length * 8;
    int len = range.hasPrefixLen() ? range.getPrefixLen().getValue() : bits;
    if (len == 0) {
      return true;
    }
    BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        .xor(BigInteger.ONE.shiftLeft(bits - len).subtract(BigInteger.ONE));
    return new BigInteger(1, net.get()).and(mask).equals(new BigInteger(1, addr.get()).and(mask));
  }

  /** An IP literal's bytes; never a DNS lookup. */
  private static Optional<byte[]> bytes(String ip) {
    if (!ip.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !(ip.contains(":") && ip.matches("[0-9a-fA-F:.]+"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(ip).getAddress());
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
