package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * A VirtualService {@code tcp} or {@code tls} rule: connections matching any of {@code matches}
 * (or all, when there are none) go to the weighted destinations.
 */
public record L4Route(List<Match> matches, List<RouteDestination> route) {
  public L4Route {
    matches = List.copyOf(matches);
    route = List.copyOf(route);
  }

  /**
   * One match; its conditions are ANDed. {@code sniHosts} only for tls rules; {@code gateways}
   * already qualified as {@code ns/name}; {@code port} 0 means any.
   */
  public record Match(List<String> sniHosts, List<String> destinationSubnets, int port,
                      Map<String, String> sourceLabels, String sourceNamespace, List<String> gateways) {
    public Match {
      sniHosts = List.copyOf(sniHosts);
      destinationSubnets = List.copyOf(destinationSubnets);
      sourceLabels = Map.copyOf(sourceLabels);
      sourceNamespace = sourceNamespace == null ? "" : sourceNamespace;
      gateways = List.copyOf(gateways);
    }
  }
}
