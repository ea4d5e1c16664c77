package io.bosun.model;

/**
 * One weighted destination of an HTTP route.
 *
 * @param authority the Host this destination's requests carry ({@code :authority} or {@code host}
 *                  set in its headers), or ""
 */
public record RouteDestination(Destination destination, int weight, RouteActions.Headers headers, String authority) {
  public RouteDestination {
    headers = headers == null ? RouteActions.Headers.NONE : headers;
    authority = authority == null ? "" : authority;
  }

  public RouteDestination(Destination destination, int weight, RouteActions.Headers headers) {
    this(destination, weight, headers, "");
  }

  public RouteDestination(Destination destination, int weight) {
    this(destination, weight, null);
  }
}
