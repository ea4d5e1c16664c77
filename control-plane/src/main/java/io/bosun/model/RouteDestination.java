package io.bosun.model;

/** One weighted destination of an HTTP route. */
public record RouteDestination(Destination destination, int weight) {
}
