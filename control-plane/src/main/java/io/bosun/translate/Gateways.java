package io.bosun.translate;

import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Which Gateway servers a gateway proxy serves. */
final class Gateways {
  private Gateways() {
  }

  /** Plain-HTTP servers of every Gateway whose selector matches the proxy's labels, by port. */
  static Map<Integer, List<Map.Entry<Gateway, GatewayServer>>> httpServersByPort(MeshSnapshot snapshot, Proxy proxy) {
    Map<Integer, List<Map.Entry<Gateway, GatewayServer>>> byPort = new TreeMap<>();
    for (Gateway gw : snapshot.gateways()) {
      if (!gw.selects(proxy.labels())) {
        continue;
      }
      for (GatewayServer s : gw.servers()) {
        if (s.isPlainHttp()) {
          byPort.computeIfAbsent(s.port(), k -> new ArrayList<>()).add(new AbstractMap.SimpleImmutableEntry<>(gw, s));
        }
      }
    }
    return byPort;
  }
}
