package io.bosun.translate;

import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Which Gateway servers a gateway proxy serves. */
final class Gateways {
  private Gateways() {
  }

  /** A server with the Gateway it belongs to. */
  record Bound(Gateway gateway, GatewayServer server) {
    /** Istio's RDS name for a terminated HTTPS server: {@code https.<port>.<portName>.<gateway>.<ns>}. */
    String httpsRouteName() {
      return "https." + server.port() + "." + server.portName() + "." + gateway.ref().name() + "."
          + gateway.ref().namespace();
    }

    /** The server's hosts without their namespace part: the names a client may ask for (SNI, Host). */
    List<String> bareHosts() {
      return server.hosts().stream().map(h -> h.contains("/") ? h.substring(h.indexOf('/') + 1) : h).toList();
    }
  }

  /** Servers of every Gateway whose selector matches the proxy's labels, by port, in Gateway order. */
  static Map<Integer, List<Bound>> serversByPort(MeshSnapshot snapshot, Proxy proxy, Predicate<GatewayServer> which) {
    Map<Integer, List<Bound>> byPort = new TreeMap<>();
    for (Gateway gw : snapshot.gateways()) {
      if (!gw.selects(proxy.labels())) {
        continue;
      }
      for (GatewayServer s : gw.servers()) {
        if (which.test(s)) {
          byPort.computeIfAbsent(s.port(), k -> new ArrayList<>()).add(new Bound(gw, s));
        }
      }
    }
    return byPort;
  }
}
