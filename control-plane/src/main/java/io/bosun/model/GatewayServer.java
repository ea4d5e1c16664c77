package io.bosun.model;

import java.util.List;

/** One Gateway server: a port with its protocol and the hosts it admits ({@code ns/host} allowed). */
public record GatewayServer(String name, int port, String portName, String protocol, List<String> hosts) {
  public GatewayServer {
    name = name == null ? "" : name;
    hosts = List.copyOf(hosts);
  }

  public boolean isPlainHttp() {
    return protocol.equals("HTTP") || protocol.equals("HTTP2") || protocol.equals("GRPC");
  }
}
