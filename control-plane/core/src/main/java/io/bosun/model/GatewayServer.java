package io.bosun.model;

import java.util.List;

/**
 * One Gateway server: a port with its protocol, the hosts it admits ({@code ns/host} allowed)
 * and its TLS settings (null when it has none).
 *
 * @param bind the IP address its listener binds; empty for all of the gateway's addresses
 */
public record GatewayServer(String name, int port, String portName, String protocol, List<String> hosts,
                            ServerTls tls, String bind) {
  public GatewayServer {
    name = name == null ? "" : name;
    hosts = List.copyOf(hosts);
    bind = bind == null ? "" : bind;
  }

  public GatewayServer(String name, int port, String portName, String protocol, List<String> hosts,
                       ServerTls tls) {
    this(name, port, portName, protocol, hosts, tls, "");
  }

  public GatewayServer(String name, int port, String portName, String protocol, List<String> hosts) {
    this(name, port, portName, protocol, hosts, null);
  }

  /** HTTPS terminated here (SIMPLE/MUTUAL): HTTP routing after the handshake. */
  public boolean isTerminatedHttps() {
    return protocol.equals("HTTPS") && tls != null && !tls.passthrough();
  }

  /** TLS passed through by SNI to tls routes. */
  public boolean isPassthrough() {
    return (protocol.equals("TLS") || protocol.equals("HTTPS")) && tls != null && tls.passthrough();
  }

  /** Plain TCP (or TLS terminated here): tcp routes. */
  public boolean isTcp() {
    return protocol.equals("TCP") || protocol.equals("MONGO") || protocol.equals("REDIS") || protocol.equals("MYSQL")
        || protocol.equals("TLS") && tls != null
        && !tls.passthrough();
  }

  public boolean httpsRedirect() {
    return tls != null && tls.httpsRedirect();
  }

  public boolean isPlainHttp() {
    return protocol.equals("HTTP") || protocol.equals("HTTP2") || protocol.equals("GRPC");
  }
}
