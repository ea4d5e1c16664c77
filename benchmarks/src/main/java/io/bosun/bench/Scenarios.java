package io.bosun.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeoutException;

/**
 * The scale scenarios of BENCHMARKS.md. Each starts Bosun in its own JVM on a generated mesh,
 * connects a fleet of simulated sidecars (in this JVM: they share the machine's cores with
 * Bosun), drives changes and returns what it measured together with what it checked: every
 * client converged to the right content. Timings are measured, never asserted.
 */
final class Scenarios {
  /** Sizes and knobs of one run. */
  record Setup(int services, int namespaces, int proxies, boolean delta, Duration churn, String xmx, Path logDir,
               boolean scoped) {
    Setup(int services, int namespaces, int proxies, boolean delta, Duration churn, String xmx, Path logDir) {
      this(services, namespaces, proxies, delta, churn, xmx, logDir, false);
    }

    MeshGen mesh() {
      return new MeshGen(services, namespaces, 3, scoped);
    }

    String describe() {
      return services + " services x 3 endpoints, " + proxies + " " + (delta ? "delta" : "SotW")
          + " sidecars in " + namespaces + " namespaces" + (scoped ? ", each namespace's Sidecar importing ./*" : "")
          + (xmx == null ? "" : ", -Xmx" + xmx);
    }
  }

  /** What a scenario measured ({@code values}, in table order) and every check that failed. */
  record Result(String scenario, String setup, Map<String, String> values, List<String> failures) {
    boolean ok() {
      return failures.isEmpty();
    }
  }

  private static final Duration CONVERGE = Duration.ofSeconds(180);
  private static final int DEBOUNCE_MS = 100;

  private Scenarios() {
  }

  /** S1: Istio-like churn (weight changes, rescales) for {@code churn}: Bosun's CPU and heap. */
  static Result s1(Setup setup) throws Exception {
    MeshGen mesh = setup.mesh();
    try (BenchClient bosun = BenchClient.start(mesh, setup.xmx(), setup.logDir().resolve("s1-bosun.log"));
         Fleet fleet = new Fleet(mesh, setup.proxies(), setup.delta())) {
      Expected expected = new Expected(mesh);
      fleet.connect(bosun.port, Duration.ofSeconds(10));
      fleet.awaitComplete(CONVERGE);
      BenchClient.Stats before = bosun.stats();
      long start = System.nanoTime();
      Random random = new Random(1);
      long ticks = setup.churn().toMillis() / 1000;
      for (long i = 0; i < ticks; i++) {
        // a rolling deployment's pace: one rescale a second, a weight change every 30 s
        int s = random.nextInt(mesh.services() - 1);
        expected.scale(bosun, s, expected.replicas[s] == 3 ? 4 : 3);
        if (i % 30 == 0) {
          expected.weight(bosun, random.nextInt(mesh.services() - 1), 10 + random.nextInt(81));
        }
        sleepUntil(start + (i + 1) * 1_000_000_000L);
      }
      BenchClient.Stats after = bosun.stats();
      double seconds = (System.nanoTime() - start) / 1e9;
      List<String> failures = expected.converged(fleet);
      bosun.send("gc");
      BenchClient.Stats settled = bosun.stats();
      Map<String, String> values = new LinkedHashMap<>();
      values.put("churn", String.format("%.0f s: %d rescales, %d weight changes", seconds, ticks, (ticks + 29) / 30));
      values.put("Bosun CPU", String.format("%.2f cores average", (after.cpuMillis() - before.cpuMillis()) / 1000.0
          / seconds));
      values.put("heap", mib(after.heapPeak()) + " peak, " + mib(settled.heapUsed()) + " after GC");
      values.put("pushes", (after.pushes() - before.pushes()) + ", " + (after.translations() - before.translations())
          + " translations");
      values.put("per proxy", perProxy(fleet));
      return new Result("S1", setup.describe(), values, failures);
    }
  }

  /** S2: one VirtualService change; how long until every sidecar has ACKed the new routes. */
  static Result s2(Setup setup) throws Exception {
    MeshGen mesh = setup.mesh();
    try (BenchClient bosun = BenchClient.start(mesh, setup.xmx(), setup.logDir().resolve("s2-bosun.log"));
         Fleet fleet = new Fleet(mesh, setup.proxies(), setup.delta())) {
      Expected expected = new Expected(mesh);
      fleet.connect(bosun.port, Duration.ofSeconds(10));
      fleet.awaitComplete(CONVERGE);
      List<Long> latencies = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      BenchClient.Stats before = bosun.stats();
      for (int round = 0; round < 3; round++) {
        Thread.sleep(1000);
        long mark = System.nanoTime();
        fleet.mark(mark);
        expected.weight(bosun, 0, 50 + round);
        // the proxies that import svc-0: all of them, or with Sidecar scoping those of its namespace
        long[] acked = fleet.awaitAll(p -> !mesh.visible(0, p.namespace())
            || p.seen().get(SimProxy.RDS).ackedAfterMark != 0, CONVERGE);
        for (SimProxy p : fleet.proxies) {
          if (mesh.visible(0, p.namespace())) {
            latencies.add((p.seen().get(SimProxy.RDS).ackedAfterMark - mark) / 1_000_000);
          }
        }
        if (acked.length != fleet.proxies.size()) {
          failures.add("round " + round + ": not every proxy ACKed");
        }
      }
      BenchClient.Stats after = bosun.stats();
      failures.addAll(expected.converged(fleet));
      Map<String, String> values = new LinkedHashMap<>();
      values.put("last ACK after the change", percentiles(latencies));
      values.put("after the debounce", percentiles(latencies.stream().map(l -> l - DEBOUNCE_MS).toList()));
      values.put("Bosun CPU per change", String.format("%.2f s", (after.cpuMillis() - before.cpuMillis()) / 3000.0));
      values.put("translations per change", Long.toString((after.translations() - before.translations()) / 3));
      values.put("per proxy", perProxy(fleet));
      return new Result("S2", setup.describe(), values, failures);
    }
  }

  /**
   * S3: endpoint churn at {@code rate} changes a second, and the one proxy-less service scaled
   * 3 → 200 → 0 → 3: endpoint responses only, at most one per proxy per push, only the changed
   * assignments.
   */
  static Result s3(Setup setup, int rate) throws Exception {
    MeshGen mesh = setup.mesh();
    try (BenchClient bosun = BenchClient.start(mesh, setup.xmx(), setup.logDir().resolve("s3-bosun.log"));
         Fleet fleet = new Fleet(mesh, setup.proxies(), setup.delta())) {
      Expected expected = new Expected(mesh);
      fleet.connect(bosun.port, Duration.ofSeconds(10));
      fleet.awaitComplete(CONVERGE);
      Thread.sleep(1000);
      List<Map<String, SimProxy.Seen>> seenBefore = fleet.proxies.stream().map(SimProxy::seen).toList();
      BenchClient.Stats before = bosun.stats();
      long start = System.nanoTime();
      Random random = new Random(3);
      long changes = setup.churn().toMillis() * rate / 1000;
      int big = mesh.services() - 1;
      int[] bigSteps = {200, 0, 3};
      long clustersChanged = 0;
      for (long i = 0; i < changes; i++) {
        if (i > 0 && i % (changes / 4) == 0 && i / (changes / 4) <= 3) {
          expected.scale(bosun, big, bigSteps[(int) (i / (changes / 4)) - 1]);
          clustersChanged += 3;
        }
        int s = random.nextInt(big);
        expected.scale(bosun, s, expected.replicas[s] == 3 ? 4 : 3);
        clustersChanged += 2; // the service's cluster and its v2 subset (replica 3 is a v2 pod)
        sleepUntil(start + (i + 1) * 1_000_000_000L / rate);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      List<String> failures = new ArrayList<>(expected.converged(fleet));
      Thread.sleep(1000);
      BenchClient.Stats after = bosun.stats();
      long pushes = after.pushes() - before.pushes();
      long maxEds = 0;
      long maxAssignments = 0;
      long edsTotal = 0;
      for (int i = 0; i < fleet.proxies.size(); i++) {
        Map<String, SimProxy.Seen> now = fleet.proxies.get(i).seen();
        Map<String, SimProxy.Seen> then = seenBefore.get(i);
        for (String type : List.of(SimProxy.CDS, SimProxy.LDS, SimProxy.RDS)) {
          long n = now.get(type).responses - then.get(type).responses;
          if (n != 0) {
            failures.add(fleet.proxies.get(i).id() + ": " + n + " " + type + " responses during endpoint churn");
          }
        }
        long eds = now.get(SimProxy.EDS).responses - then.get(SimProxy.EDS).responses;
        long assignments = now.get(SimProxy.EDS).resources - then.get(SimProxy.EDS).resources;
        edsTotal += eds;
        maxEds = Math.max(maxEds, eds);
        maxAssignments = Math.max(maxAssignments, assignments);
        if (eds > pushes) {
          failures.add(fleet.proxies.get(i).id() + ": " + eds + " EDS responses for " + pushes + " pushes");
        }
        if (assignments > clustersChanged) {
          failures.add(fleet.proxies.get(i).id() + ": " + assignments + " assignments for " + clustersChanged
              + " changed clusters");
        }
      }
      Map<String, String> values = new LinkedHashMap<>();
      values.put("churn", String.format("%d endpoint changes in %.0f s, plus %s scaled 3 -> 200 -> 0 -> 3",
          changes, seconds, MeshGen.name(big)));
      values.put("pushes", Long.toString(pushes));
      values.put("EDS responses per proxy", String.format("%.1f average, %d max (pushes: %d)",
          (double) edsTotal / fleet.proxies.size(), maxEds, pushes));
      values.put("assignments per proxy", maxAssignments + " max, for " + clustersChanged + " changed clusters");
      values.put("Bosun CPU", String.format("%.2f cores average", (after.cpuMillis() - before.cpuMillis()) / 1000.0
          / seconds));
      return new Result("S3", setup.describe(), values, failures);
    }
  }

  /** S4: every sidecar connecting within 5 s: how long until all are fully configured. */
  static Result s4(Setup setup) throws Exception {
    MeshGen mesh = setup.mesh();
    try (BenchClient bosun = BenchClient.start(mesh, setup.xmx(), setup.logDir().resolve("s4-bosun.log"));
         Fleet fleet = new Fleet(mesh, setup.proxies(), setup.delta())) {
      Expected expected = new Expected(mesh);
      long start = System.nanoTime();
      fleet.connect(bosun.port, Duration.ofSeconds(5));
      long[] done = fleet.awaitComplete(CONVERGE);
      List<String> failures = new ArrayList<>(expected.converged(fleet));
      if (!bosun.alive()) {
        failures.add("Bosun exited (out of memory?)");
      }
      BenchClient.Stats stats = bosun.stats();
      List<Long> ms = Arrays.stream(done).map(t -> (t - start) / 1_000_000).boxed().toList();
      Map<String, String> values = new LinkedHashMap<>();
      values.put("fully configured after the first connect", percentiles(ms));
      values.put("heap", mib(stats.heapPeak()) + " peak");
      values.put("Bosun CPU", String.format("%.1f s", stats.cpuMillis() / 1000.0));
      values.put("per proxy", perProxy(fleet));
      return new Result("S4", setup.describe(), values, failures);
    }
  }

  /** What the harness changed, and so what every proxy must end up with. */
  private static final class Expected {
    final MeshGen mesh;
    final int[] replicas;
    final int[] weights;

    Expected(MeshGen mesh) {
      this.mesh = mesh;
      this.replicas = new int[mesh.services()];
      this.weights = new int[mesh.services()];
      Arrays.fill(replicas, mesh.replicas());
      Arrays.fill(weights, 90);
    }

    void scale(BenchClient bosun, int s, int count) throws IOException {
      bosun.send("scale " + s + " " + count);
      replicas[s] = count;
    }

    void weight(BenchClient bosun, int s, int v1) throws IOException {
      bosun.send("vs " + s + " " + v1);
      weights[s] = v1;
    }

    /**
     * Waits until every proxy holds every service's endpoints as last scaled and every route
     * split as last set; returns what did not converge.
     */
    List<String> converged(Fleet fleet) throws InterruptedException {
      try {
        fleet.awaitAll(this::matches, CONVERGE);
        return List.of();
      } catch (TimeoutException | IllegalStateException e) {
        List<String> failures = new ArrayList<>();
        for (SimProxy p : fleet.proxies) {
          String why = mismatch(p);
          if (why != null && failures.size() < 5) {
            failures.add(p.id() + ": " + why);
          }
        }
        failures.add(0, e.getMessage());
        return failures;
      }
    }

    boolean matches(SimProxy p) {
      return mismatch(p) == null;
    }

    /** The first difference from what is expected, or null. */
    String mismatch(SimProxy p) {
      if (!p.complete()) {
        return "not complete";
      }
      Map<String, Integer> endpoints = p.endpoints();
      Map<String, Integer> splits = p.splits("80");
      if (splits == null) {
        return "no route table 80";
      }
      for (int s = 0; s < mesh.services(); s++) {
        String cluster = "outbound|80||" + mesh.host(s);
        if (!mesh.visible(s, p.namespace())) {
          if (endpoints.containsKey(cluster)) {
            return cluster + " is not imported by its Sidecar but configured";
          }
          continue;
        }
        Integer n = endpoints.get(cluster);
        if (n == null || n != replicas[s]) {
          return cluster + " has " + n + " endpoints, expected " + replicas[s];
        }
        Integer v1 = splits.get(mesh.host(s));
        if (v1 == null || v1 != weights[s]) {
          return mesh.host(s) + " sends " + v1 + "% to v1, expected " + weights[s];
        }
      }
      return null;
    }
  }

  private static String perProxy(Fleet fleet) {
    long responses = 0;
    long bytes = 0;
    for (SimProxy p : fleet.proxies) {
      for (SimProxy.Seen s : p.seen().values()) {
        responses += s.responses;
        bytes += s.bytes;
      }
    }
    int n = fleet.proxies.size();
    return String.format("%.1f responses, %.0f KiB received", (double) responses / n, bytes / 1024.0 / n);
  }

  static String percentiles(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    if (sorted.isEmpty()) {
      return "-";
    }
    return "p50 " + sorted.get(sorted.size() / 2) + " ms, p99 " + sorted.get((int) Math.min(sorted.size() - 1,
        Math.ceil(sorted.size() * 0.99) - 1)) + " ms, max " + sorted.get(sorted.size() - 1) + " ms";
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }
}
