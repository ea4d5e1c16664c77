package io.bosun.model;

import java.util.List;

/** One HTTPRoute of a VirtualService; an empty match list matches every request. */
public record HttpRoute(String name, List<HttpMatch> matches, List<RouteDestination> route) {
  public HttpRoute {
    name = name == null ? "" : name;
    matches = List.copyOf(matches);
    route = List.copyOf(route);
  }
}
