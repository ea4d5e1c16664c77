package io.bosun.explain;

import java.util.List;

/**
 * Where one request goes through one proxy, step by step, as Envoy would decide it from the
 * config it holds. Steps that were not reached are {@code null}.
 *
 * @param listener      the listener that takes the connection, and why
 * @param filterChain   the filter chain of that listener, and why
 * @param routeConfig   the route configuration (RDS name) of an HTTP chain
 * @param virtualHost   the virtual host chosen by the Host header, and why
 * @param routes        every route checked, in order, up to the one that matched
 * @param action        what the matched route (or a TCP chain) does with the request
 * @param clusters      the clusters the request may be sent to, with their endpoints
 * @param notes         what Envoy decides at run time that this explanation cannot (e.g. a weight draw)
 */
public record Explanation(String proxy, String request, Step listener, Step filterChain, String routeConfig,
                          Step virtualHost, List<RouteCheck> routes, Action action, List<ClusterInfo> clusters,
                          List<String> notes) {

  /** The route that matched, or {@code null}. */
  public RouteCheck matchedRoute() {
    return routes.stream().filter(RouteCheck::matched).findFirst().orElse(null);
  }

  /** One decision: what was chosen and why. */
  public record Step(String name, String why) {
  }

  /**
   * One route checked against the request.
   *
   * @param reasons why it did not match (empty for the one that matched)
   */
  public record RouteCheck(int index, String name, String match, boolean matched, List<String> reasons) {
  }

  /**
   * What happens to the request.
   *
   * @param kind    {@code cluster}, {@code weighted_clusters}, {@code cluster_header}, {@code redirect},
   *                {@code direct_response}, {@code tcp_proxy}, or {@code none} (Envoy answers 404 or
   *                closes the connection)
   * @param status  the status Envoy answers itself with (redirect, direct response, no route), else 0
   * @param details what else the action does (rewrites, redirect target, timeout, retries, faults)
   */
  public record Action(String kind, int status, String summary, List<String> details) {
  }

  /**
   * A cluster the request may go to.
   *
   * @param weight the route's weight for it (100 when it is the only one)
   */
  public record ClusterInfo(String name, int weight, String type, String transport, List<EndpointInfo> endpoints,
                            String note) {
  }

  /** One endpoint of a cluster. */
  public record EndpointInfo(String address, String health, String locality, int weight, int priority,
                             String tlsMode) {
  }
}
