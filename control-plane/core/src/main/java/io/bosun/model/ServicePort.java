package io.bosun.model;

import java.util.Locale;

/**
 * A port of a service. {@code protocol} is Istio's upper-case name (HTTP, HTTP2, GRPC, TCP, ...);
 * {@code targetPort} is where endpoints listen when they do not say otherwise.
 */
public record ServicePort(String name, int number, String protocol, int targetPort) {
  public ServicePort {
    name = name == null ? "" : name;
    protocol = protocol == null || protocol.isEmpty() ? "" : protocol.toUpperCase(Locale.ROOT);
  }

  /**
   * Istio's protocol selection: the explicit protocol, else the port name's prefix
   * ({@code http-web}, {@code grpc}). Unknown is treated as HTTP in this release, which
   * is what Istio's sniffing concludes for HTTP/1.1 clients.
   */
  public boolean isHttp() {
    String p = protocol.isEmpty() ? protocolFromName() : protocol;
    return switch (p) {
      case "TCP", "TLS", "HTTPS", "MONGO", "MYSQL", "REDIS" -> false;
      default -> true;
    };
  }

  private String protocolFromName() {
    String n = name.toUpperCase(Locale.ROOT);
    int dash = n.indexOf('-');
    return dash < 0 ? n : n.substring(0, dash);
  }
}
