package io.bosun.model;

/** Where a route sends traffic. {@code port} is 0 when the VirtualService leaves it to the service. */
public record Destination(String host, String subset, int port) {
  public Destination {
    subset = subset == null ? "" : subset;
  }
}
