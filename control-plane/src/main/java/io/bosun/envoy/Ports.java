package io.bosun.envoy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Picks free TCP ports on the loopback interface for test and demo processes. */
public final class Ports {

  private Ports() {
  }

  /** A port that was free on 127.0.0.1 a moment ago. */
  public static int freePort() {
    return freePorts(1)[0];
  }

  /**
   * {@code count} distinct free ports. All sockets stay open until every port is chosen, so the
   * kernel cannot hand out the same port twice within one call.
   */
  public static int[] freePorts(int count) {
    List<ServerSocket> open = new ArrayList<>(count);
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket();
        open.add(socket);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind a free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket socket : open) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing useful to do; the port is released either way
        }
      }
    }
  }
}
