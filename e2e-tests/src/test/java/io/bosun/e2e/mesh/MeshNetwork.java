package io.bosun.e2e.mesh;

import io.bosun.testing.PodNetns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fake node's pod network: a bridge with the node's address in the pod CIDR, one network
 * namespace per pod plugged into it. Containment: the host drops whatever the bridge would have
 * it forward elsewhere, so a pod reaches other pods and the host, never anything off the machine.
 */
final class MeshNetwork implements AutoCloseable {
  static final String BRIDGE = "bosunbr0";
  static final String GATEWAY = "10.214.0.254";

  private final List<String> namespaces = new ArrayList<>();
  private final List<String> hostAddresses = new ArrayList<>();

  static MeshNetwork create() {
    sh(false, "ip", "link", "del", BRIDGE);
    sh(false, "iptables", "-D", "FORWARD", "-i", BRIDGE, "!", "-o", BRIDGE, "-j", "DROP");
    String routes = sh(true, "ip", "-4", "route", "show", "table", "all");
    if (routes.contains("10.214.")) {
      throw new IllegalStateException("refusing to run: 10.214.0.0/16 is in use on this host:\n" + routes);
    }
    sh(true, "ip", "link", "add", BRIDGE, "type", "bridge");
    sh(true, "ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
    sh(true, "ip", "link", "set", BRIDGE, "up");
    sh(true, "iptables", "-I", "FORWARD", "-i", BRIDGE, "!", "-o", BRIDGE, "-j", "DROP");
    return new MeshNetwork();
  }

  /** A pod's namespace with its IP on the bridge and a hosts file; returns the namespace name. */
  synchronized String addPod(String ip, Map<String, String> hosts) {
    forgetNeighbour(ip);
    String n = Integer.toString(namespaces.size());
    String ns = "bosun-mesh-" + n;
    String host = "bmh" + n;
    sh(false, "ip", "netns", "del", ns);
    sh(false, "ip", "link", "del", host);
    try {
      Path etc = Path.of("/etc/netns", ns);
      Files.createDirectories(etc);
      writeHosts(ns, hosts);
      Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions ndots:1 timeout:1 attempts:1\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sh(true, "ip", "netns", "add", ns);
    namespaces.add(ns);
    sh(true, "ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
    sh(true, "ip", "link", "set", host, "master", BRIDGE);
    sh(true, "ip", "link", "set", host, "up");
    sh(true, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    sh(true, "ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
    sh(true, "ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    sh(true, "ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", GATEWAY);
    return ns;
  }

  /**
   * (Re)writes a pod's hosts file in place: {@code ip netns exec} bind-mounts it over /etc/hosts,
   * so processes already running see the new names on their next lookup. Addresses are padded to
   * a fixed width, so a rewrite with the same names keeps the size and is one write at offset 0,
   * never a truncation a concurrent lookup could see as an empty file.
   */
  void writeHosts(String ns, Map<String, String> hosts) {
    StringBuilder sb = new StringBuilder(String.format("%-15s localhost%n", "127.0.0.1"));
    hosts.forEach((name, addr) -> sb.append(String.format("%-15s %s%n", addr, name)));
    byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
    Path file = Path.of("/etc/netns", ns, "hosts");
    try {
      if (Files.exists(file) && Files.size(file) == bytes.length) {
        try (FileChannel ch = FileChannel.open(file,
            StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(bytes);
          while (buf.hasRemaining()) {
            ch.write(buf, buf.position());
          }
        }
      } else {
        Files.write(file, bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Takes a deleted pod's address off the bridge: kwok hands its IP to the next pod, and a
   * neighbour that still had the old pod's MAC cached would keep reaching the dead namespace.
   * The namespace itself stays (empty) until {@link #close()}.
   */
  synchronized void removePod(String ns) {
    sh(false, "ip", "link", "del", "bmh" + ns.substring("bosun-mesh-".length()));
  }

  synchronized void removeHostAddress(String ip) {
    if (hostAddresses.remove(ip)) {
      sh(false, "ip", "addr", "del", ip + "/32", "dev", BRIDGE);
    }
  }

  /**
   * Drops every pod's cached MAC for {@code ip}: an address kwok hands out again now belongs to
   * another interface, and a pod that talked to the old one would keep sending to the old MAC
   * while its neighbour entry stays "reachable" (up to 45 s).
   */
  private void forgetNeighbour(String ip) {
    for (String ns : namespaces) {
      sh(false, "ip", "-n", ns, "neigh", "flush", "to", ip);
    }
    sh(false, "ip", "neigh", "flush", "to", ip, "dev", BRIDGE);
  }

  /** Gives the host one more address on the bridge (a pod whose process runs on the host). */
  synchronized void addHostAddress(String ip) {
    forgetNeighbour(ip);
    sh(true, "ip", "addr", "add", ip + "/32", "dev", BRIDGE);
    hostAddresses.add(ip);
  }

  @Override
  public synchronized void close() {
    for (String ns : namespaces) {
      sh(false, "ip", "netns", "del", ns);
      sh(false, "rm", "-rf", "/etc/netns/" + ns);
    }
    for (int i = 0; i < namespaces.size(); i++) {
      sh(false, "ip", "link", "del", "bmh" + i);
    }
    sh(false, "ip", "link", "del", BRIDGE);
    sh(false, "iptables", "-D", "FORWARD", "-i", BRIDGE, "!", "-o", BRIDGE, "-j", "DROP");
  }

  static String sh(boolean check, String... cmd) {
    return PodNetns.sh(check, cmd);
  }
}
