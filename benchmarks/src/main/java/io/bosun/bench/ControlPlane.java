package io.bosun.bench;

import io.bosun.envoy.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A control plane in Kubernetes mode as a child process, Bosun or istiod, serving plaintext xDS
 * on loopback to the simulated fleet. Its CPU time and resident memory are read from
 * {@code /proc}, the same way for both, so the numbers compare.
 */
final class ControlPlane implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  final int xdsPort;
  private final URI ready;

  private ControlPlane(String name, Process process, Path log, int xdsPort, URI ready) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.xdsPort = xdsPort;
    this.ready = ready;
  }

  String name() {
    return name;
  }

  /** Bosun's {@code kube} command from this JVM's class path, plaintext xDS only, no webhooks or CA. */
  static ControlPlane bosun(Path kubeconfig, Path dir, String xmx) throws IOException {
    int xds = Ports.freePort();
    int monitoring = Ports.freePort();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (xmx != null) {
      cmd.add("-Xmx" + xmx);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.bosun.cli.Main", "kube",
        "--kubeconfig", kubeconfig.toString(),
        "--xds-plaintext", "true", "--xds-address", "127.0.0.1", "--xds-port", Integer.toString(xds),
        "--xds-tls-port", "0", "--webhooks", "false", "--readiness-port", "-1",
        "--monitoring-port", Integer.toString(monitoring),
        // the whole fleet dials from 127.0.0.1, where each sidecar would have its own pod IP
        "--xds-max-streams-per-client", "1000000", "--xds-max-groups-per-client", "1000000",
        "--lease-namespace", "istio-system", "--identity", "bosun-bench"));
    return start("bosun", cmd, Map.of(), dir, xds, URI.create("http://127.0.0.1:" + monitoring + "/ready"));
  }

  /**
   * istiod ({@code pilot-discovery discovery}) as Istio's chart runs it, but on loopback ports,
   * with its CA and webhooks off and Istio's defaults otherwise.
   */
  static ControlPlane istiod(Path binary, Path kubeconfig, Path dir) throws IOException {
    int xds = Ports.freePort();
    int http = Ports.freePort();
    Path mesh = dir.resolve("mesh.yaml");
    Files.writeString(mesh, "rootNamespace: istio-system\ntrustDomain: cluster.local\n");
    Path networks = dir.resolve("meshNetworks.yaml");
    Files.writeString(networks, "networks: {}\n");
    List<String> cmd = List.of(binary.toString(), "discovery",
        "--kubeconfig", kubeconfig.toString(),
        "--meshConfig", mesh.toString(), "--networksConfig", networks.toString(),
        "--namespace", "istio-system", "--domain", "cluster.local", "--clusterID", "Kubernetes",
        "--grpcAddr", "127.0.0.1:" + xds, "--secureGRPCAddr", "",
        "--httpAddr", "127.0.0.1:" + http, "--httpsAddr", "127.0.0.1:" + Ports.freePort(),
        "--monitoringAddr", "127.0.0.1:" + Ports.freePort(),
        "--ctrlz_port", Integer.toString(Ports.freePort()), "--ctrlz_address", "127.0.0.1",
        "--profile=false", "--keepaliveMaxServerConnectionAge", "24h",
        // the fleet shares the 2 cores with istiod and parses 5 MB per proxy at connect: its
        // answers to istiod's pings can lag past the 10 s default, and istiod would drop them
        "--keepaliveTimeout", "60s");
    Map<String, String> env = Map.of(
        "POD_NAMESPACE", "istio-system", "POD_NAME", "istiod-bench", "REVISION", "default",
        "ENABLE_CA_SERVER", "false", "PILOT_ENABLE_ANALYSIS", "false",
        "INJECTION_WEBHOOK_CONFIG_NAME", "", "VALIDATION_WEBHOOK_CONFIG_NAME", "",
        "PILOT_ENABLE_STATUS", "false", "GOMAXPROCS", Integer.toString(Runtime.getRuntime().availableProcessors()));
    return start("istiod", cmd, env, dir, xds, URI.create("http://127.0.0.1:" + http + "/ready"));
  }

  private static ControlPlane start(String name, List<String> cmd, Map<String, String> env, Path dir, int xds,
                                    URI ready) throws IOException {
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    return new ControlPlane(name, pb.start(), log, xds, ready);
  }

  /** Waits for the readiness endpoint (caches synced, ready to serve). */
  void awaitReady(Duration timeout) throws InterruptedException, TimeoutException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited " + process.exitValue() + ":\n" + logTail());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new TimeoutException(name + " not ready after " + timeout + " (" + last + "):\n" + logTail());
  }

  boolean alive() {
    return process.isAlive();
  }

  /** User plus system CPU time of the process so far, from /proc/PID/stat. */
  long cpuMillis() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    // fields after the parenthesised command name; utime and stime are fields 14 and 15
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 1000 / 100; // USER_HZ is 100 on Linux
  }

  /** Resident set size now and at its peak (bytes), from /proc/PID/status. */
  long[] rss() throws IOException {
    long now = 0;
    long peak = 0;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        now = kib(line);
      } else if (line.startsWith("VmHWM:")) {
        peak = kib(line);
      }
    }
    return new long[] {now, peak};
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
  }

  String logTail() {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
