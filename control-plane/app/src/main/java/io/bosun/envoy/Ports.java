package io.bosun.envoy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks free TCP ports for test and demo processes. They come from below the kernel's ephemeral
 * range (32768 and up), so a server that binds port 0 later can never be handed a port chosen
 * here for someone else; and a port is handed out at most once per JVM.
 */
public final class Ports {
  private static final int LOW = 20000;
  private static final int HIGH = 32000;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private Ports() {
  }

  /** A port that was free on every interface a moment ago. */
  public static int freePort() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
      if (GIVEN.contains(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress("0.0.0.0", port));
      } catch (IOException e) {
        continue; // in use: try another
      }
      if (GIVEN.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port between " + LOW + " and " + HIGH);
  }

  /** {@code count} distinct free ports. */
  public static int[] freePorts(int count) {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = freePort();
    }
    return ports;
  }
}
