package io.bosun.model;

/** One weighted destination of an HTTP route. */
public record RouteDestination(Destination destination, int weight, RouteActions.Headers headers) {
  public RouteDestination {
    headers = headers == null ? RouteActions.Headers.NONE : headers;
  }

  public RouteDestination(Destination destination, int weight) {
    this(destination, weight, null);
  }
}
