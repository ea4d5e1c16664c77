package io.bosun.model;

import java.time.Duration;
import java.util.List;

/**
 * One HTTPRoute of a VirtualService; an empty match list matches every request. Null actions
 * are unset ({@code retries} null means Istio's default retry policy). {@code delegate} names the
 * VirtualService whose routes replace this one (see {@link Delegation}).
 */
public record HttpRoute(String name, List<HttpMatch> matches, List<RouteDestination> route, Duration timeout,
                        RouteActions.Retry retries, RouteActions.Redirect redirect, RouteActions.Rewrite rewrite,
                        RouteActions.DirectResponse directResponse, RouteActions.Headers headers,
                        RouteActions.Fault fault, List<RouteActions.Mirror> mirrors, RouteActions.Cors cors,
                        ResourceRef delegate) {
  public HttpRoute {
    name = name == null ? "" : name;
    matches = List.copyOf(matches);
    route = List.copyOf(route);
    headers = headers == null ? RouteActions.Headers.NONE : headers;
    mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
  }

  public HttpRoute(String name, List<HttpMatch> matches, List<RouteDestination> route) {
    this(name, matches, route, null, null, null, null, null, null, null, null, null, null);
  }

  /** This route with other matches (delegation merges the root's matches into the delegate's routes). */
  public HttpRoute withMatches(List<HttpMatch> newMatches) {
    return new HttpRoute(name, newMatches, route, timeout, retries, redirect, rewrite, directResponse, headers, fault,
        mirrors, cors, delegate);
  }
}
