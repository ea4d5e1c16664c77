package io.bosun.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A "pod" as a Linux network namespace, for sidecar tests: a veth link to the host
 * ({@code 10.213.<n>.1} on the host side, {@code 10.213.<n>.2} in the pod), a default route over it,
 * and processes started inside it by PID.
 *
 * <p>Containment: while the namespace exists the host drops every packet from the veth that would
 * be forwarded, so nothing the pod sends can leave the machine; only the host's own addresses
 * (where the test's servers listen on {@code 10.213.<n>.1}) and the pod itself are reachable.
 */
public final class PodNetns implements AutoCloseable {
  private static final String PREFIX = "10.213.";

  private final String name;
  private final String hostIf;
  private final int index;
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();

  private PodNetns(String name, String hostIf, int index, Path dir) {
    this.name = name;
    this.hostIf = hostIf;
    this.index = index;
    this.dir = dir;
  }

  /** Creates pod namespace {@code index} (1-250). Fails loudly when not root or a tool is missing. */
  public static PodNetns create(int index) {
    requireTools();
    String name = "bosun-it-" + index;
    String hostIf = "bosunh" + index;
    // a namespace left by a killed run is replaced, never reused
    sh(false, "ip", "netns", "del", name);
    sh(false, "ip", "link", "del", hostIf);
    sh(false, "iptables", "-D", "FORWARD", "-i", hostIf, "-j", "DROP");
    String routes = sh(true, "ip", "-4", "route", "show", "table", "all");
    if (routes.contains(PREFIX + index + ".")) {
      throw new IllegalStateException("refusing to run: " + PREFIX + index + ".0/24 is in use on this host:\n"
          + routes);
    }
    try {
      Path dir = Files.createTempDirectory("bosun-pod-" + index + "-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
      PodNetns pod = new PodNetns(name, hostIf, index, dir);
      sh(true, "ip", "netns", "add", name);
      sh(true, "iptables", "-I", "FORWARD", "-i", hostIf, "-j", "DROP");
      sh(true, "ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", name);
      sh(true, "ip", "addr", "add", pod.hostIp() + "/24", "dev", hostIf);
      sh(true, "ip", "link", "set", hostIf, "up");
      pod.exec(true, "ip", "link", "set", "lo", "up");
      pod.exec(true, "ip", "addr", "add", pod.ip() + "/24", "dev", "eth0");
      pod.exec(true, "ip", "link", "set", "eth0", "up");
      // without a default route, dialling a service VIP fails before interception can see it
      pod.exec(true, "ip", "route", "add", "default", "via", pod.hostIp());
      return pod;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name() {
    return name;
  }

  /** The pod's IP. */
  public String ip() {
    return PREFIX + index + ".2";
  }

  /** The host's end of the link: where test servers the pod may reach listen. */
  public String hostIp() {
    return PREFIX + index + ".1";
  }

  /** A world-readable directory for files the pod's processes (also uid 1337) read. */
  public Path dir() {
    return dir;
  }

  /**
   * Name resolution inside the pod: {@code ip netns exec} shows {@code /etc/netns/<name>/hosts} as the
   * pod's {@code /etc/hosts}, so processes started afterwards resolve these names.
   */
  public void hosts(Map<String, String> nameToIp) {
    StringBuilder sb = new StringBuilder("127.0.0.1 localhost\n");
    nameToIp.forEach((n, ip) -> sb.append(ip).append(' ').append(n).append('\n'));
    try {
      Path etc = Path.of("/etc/netns", name);
      Files.createDirectories(etc);
      Files.writeString(etc.resolve("hosts"), sb.toString());
      // no DNS server for the pod: names come from the hosts file, and nothing is asked of the host's resolver
      Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions ndots:1 timeout:1 attempts:1\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command in the pod and waits; returns its output, failing on a non-zero exit when {@code check}. */
  public String exec(boolean check, String... cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(cmd));
    return sh(check, full.toArray(String[]::new));
  }

  /** Starts a long-running process in the pod,
      optionally as {@code uid}/{@code gid}; its output goes to {@code log}. */
  public Process start(Integer uid, Path log, List<String> cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    if (uid != null) {
      full.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    full.addAll(cmd);
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the pod's processes by PID, then removes the namespace, the link and the drop rule. */
  @Override
  public void close() {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    sh(false, "ip", "netns", "del", name);
    sh(false, "ip", "link", "del", hostIf);
    sh(false, "iptables", "-D", "FORWARD", "-i", hostIf, "-j", "DROP");
    sh(false, "rm", "-rf", "/etc/netns/" + name);
  }

  /** Read-only views on the host side of a pod, for assertions. */
  public static final class Access {
    private Access() {
    }

    /** How many packets from the pod the host dropped rather than forwarded. */
    public static String forwardDrops(PodNetns pod) {
      for (String line : sh(true, "iptables", "-L", "FORWARD", "-v", "-n", "-x").split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 5 && f[2].equals("DROP") && f[5].equals(pod.hostIf)) {
          return f[0];
        }
      }
      throw new AssertionError("no FORWARD drop rule for " + pod.hostIf);
    }
  }

  static void requireTools() {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("pod network namespaces need root (run as root, as CI does)");
    }
    for (String tool : List.of("ip", "iptables", "iptables-restore", "setpriv", "curl")) {
      if (!onPath(tool)) {
        throw new IllegalStateException(tool + " is missing: run bin/install-netns-tools");
      }
    }
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
  }

  /** Runs {@code cmd}, returns its output (stderr included); {@code check}: fail unless it exits 0. */
  public static String sh(boolean check, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", cmd));
      }
      if (check && p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
