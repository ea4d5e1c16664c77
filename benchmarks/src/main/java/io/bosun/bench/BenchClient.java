package io.bosun.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The parent's handle on a {@link BenchServer} child JVM: start it, send it commands, read its numbers. */
final class BenchClient implements AutoCloseable, MeshChanges {
  /** What the child reports after every command. */
  record Stats(long cpuMillis, long heapUsed, long heapPeak, long pushes, long translations) {
    static Stats parse(String line) {
      String[] w = line.split(" ");
      return new Stats(Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]), Long.parseLong(w[4]),
          Long.parseLong(w[5]));
    }
  }

  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  final int port;
  final int resources;

  private BenchClient(Process process, BufferedReader out, Writer in, int port, int resources) {
    this.process = process;
    this.out = out;
    this.in = in;
    this.port = port;
    this.resources = resources;
  }

  /** Starts Bosun on the mesh in its own JVM ({@code xmx} e.g. "1g", or null for the default). */
  static BenchClient start(MeshGen mesh, String xmx, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (xmx != null) {
      cmd.add("-Xmx" + xmx);
    }
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    // e.g. -XX:StartFlightRecording=filename=bosun.jfr to profile Bosun under a scenario
    String extra = System.getenv("BOSUN_BENCH_JVM_ARGS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BenchServer.class.getName());
    cmd.add(Integer.toString(mesh.services()));
    cmd.add(Integer.toString(mesh.namespaces()));
    cmd.add(Integer.toString(mesh.replicas()));
    cmd.add(mesh.scoped() ? "scoped" : "whole");
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
    String ready = out.readLine();
    while (ready != null && !ready.startsWith("READY ")) {
      ready = out.readLine(); // e.g. the JVM announcing a flight recording
    }
    if (ready == null || !ready.startsWith("READY ")) {
      p.destroyForcibly();
      throw new IOException("Bosun did not start (" + ready + "); see " + log);
    }
    String[] w = ready.split(" ");
    if (!w[3].equals("0")) {
      p.destroyForcibly();
      throw new IOException("the generated mesh has " + w[3] + " problems; see " + log);
    }
    return new BenchClient(p, out, in, Integer.parseInt(w[1]), Integer.parseInt(w[2]));
  }

  /** Sends one command and waits until Bosun has applied it to its store. */
  synchronized Stats send(String command) throws IOException {
    in.write(command + "\n");
    in.flush();
    String answer = out.readLine();
    if (answer == null || !answer.startsWith("OK ")) {
      throw new IOException("Bosun answered " + answer + " to " + command + (process.isAlive() ? ""
          : " (exited " + process.exitValue() + ")"));
    }
    return Stats.parse(answer);
  }

  @Override
  public void scale(int s, int count) throws IOException {
    send("scale " + s + " " + count);
  }

  @Override
  public void weight(int s, int v1) throws IOException {
    send("vs " + s + " " + v1);
  }

  Stats stats() throws IOException {
    return send("stats");
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws IOException {
    try {
      if (process.isAlive()) {
        in.write("quit\n");
        in.flush();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
