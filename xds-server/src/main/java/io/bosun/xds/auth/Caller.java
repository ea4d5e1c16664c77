package io.bosun.xds.auth;

import io.grpc.Context;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Who is on the other end of a gRPC call: the identity its credentials proved (none for an
 * anonymous caller), where it connects from, and whether the transport is TLS.
 */
public record Caller(Optional<Identity> identity, String address, boolean loopback, boolean tls) {
  /** The caller of the current gRPC call, set by the server before any service sees the call. */
  public static final Context.Key<Caller> CURRENT = Context.key("bosun-caller");

  public static Caller of(Optional<Identity> identity, SocketAddress remote, boolean tls) {
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      InetAddress a = inet.getAddress();
      return new Caller(identity, a.getHostAddress(), a.isLoopbackAddress(), tls);
    }
    // in-process transports (tests) are on this machine
    return new Caller(identity, String.valueOf(remote), true, tls);
  }

  public boolean authenticated() {
    return identity.isPresent();
  }

  /** The key limits count against: the identity's principal, or the address of an anonymous caller. */
  public String principal() {
    return identity.map(Identity::principal).orElse("anonymous@" + address);
  }

  @Override
  public String toString() {
    return identity.map(Identity::toString).orElse("anonymous") + " from " + address + (tls ? " (TLS)" : "");
  }
}
