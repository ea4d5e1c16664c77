package io.bosun.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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

  static final Duration CONVERGE = Duration.ofSeconds(180);
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
      List<String> failures = new ArrayList<>();
      BenchClient.Stats before = bosun.stats();
      List<Long> latencies = routeChanges(fleet, expected, bosun, failures);
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
   * S2's changes: svc-0's split changed three times, a second apart; for each, every importing
   * proxy's time (ms) from the change to its ACK of the new route table.
   */
  static List<Long> routeChanges(Fleet fleet, Expected expected, MeshChanges to, List<String> failures)
      throws Exception {
    MeshGen mesh = expected.mesh;
    List<Long> latencies = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      Thread.sleep(1000);
      long mark = System.nanoTime();
      fleet.mark(mark);
      expected.weight(to, 0, 50 + round);
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
    return latencies;
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
      BenchClient.Stats before = bosun.stats();
      Churn churn = endpointChurn(fleet, expected, bosun, setup.churn(), rate);
      List<String> failures = new ArrayList<>(expected.converged(fleet));
      Thread.sleep(1000);
      BenchClient.Stats after = bosun.stats();
      long pushes = after.pushes() - before.pushes();
      Received got = churn.received(fleet);
      for (int i = 0; i < fleet.proxies.size(); i++) {
        String id = fleet.proxies.get(i).id();
        for (String type : List.of(SimProxy.CDS, SimProxy.LDS, SimProxy.RDS)) {
          long n = got.perProxy(i, type);
          if (n != 0) {
            failures.add(id + ": " + n + " " + type + " responses during endpoint churn");
          }
        }
        if (got.perProxy(i, SimProxy.EDS) > pushes) {
          failures.add(id + ": " + got.perProxy(i, SimProxy.EDS) + " EDS responses for " + pushes + " pushes");
        }
        if (got.assignments()[i] > churn.clustersChanged()) {
          failures.add(id + ": " + got.assignments()[i] + " assignments for " + churn.clustersChanged()
              + " changed clusters");
        }
      }
      Map<String, String> values = new LinkedHashMap<>();
      values.put("churn", churn.describe(mesh));
      values.put("pushes", Long.toString(pushes));
      values.put("EDS responses per proxy", got.eds() + " (pushes: " + pushes + ")");
      values.put("assignments per proxy", got.maxAssignments() + " max, for " + churn.clustersChanged()
          + " changed clusters");
      values.put("Bosun CPU", String.format("%.2f cores average", (after.cpuMillis() - before.cpuMillis()) / 1000.0
          / churn.seconds()));
      return new Result("S3", setup.describe(), values, failures);
    }
  }

  /** What S3's churn changed, and what each proxy had seen before it. */
  record Churn(long changes, double seconds, long clustersChanged, List<Map<String, SimProxy.Seen>> before) {
    String describe(MeshGen mesh) {
      return String.format("%d endpoint changes in %.0f s, plus %s scaled 3 -> 200 -> 0 -> 3", changes, seconds,
          MeshGen.name(mesh.services() - 1));
    }

    /** What each proxy received since the churn began. */
    Received received(Fleet fleet) {
      int n = fleet.proxies.size();
      Map<String, long[]> responses = new LinkedHashMap<>();
      SimProxy.TYPES.forEach(t -> responses.put(t, new long[n]));
      long[] assignments = new long[n];
      for (int i = 0; i < n; i++) {
        Map<String, SimProxy.Seen> now = fleet.proxies.get(i).seen();
        Map<String, SimProxy.Seen> then = before.get(i);
        for (String type : SimProxy.TYPES) {
          responses.get(type)[i] = now.get(type).responses - then.get(type).responses;
        }
        assignments[i] = now.get(SimProxy.EDS).resources - then.get(SimProxy.EDS).resources;
      }
      return new Received(responses, assignments);
    }
  }

  /** Responses per proxy by type, and endpoint assignments per proxy, over a span. */
  record Received(Map<String, long[]> responses, long[] assignments) {
    long perProxy(int proxy, String type) {
      return responses.get(type)[proxy];
    }

    String eds() {
      long[] eds = responses.get(SimProxy.EDS);
      return String.format("%.1f average, %d max", Arrays.stream(eds).average().orElse(0),
          Arrays.stream(eds).max().orElse(0));
    }

    long maxAssignments() {
      return Arrays.stream(assignments).max().orElse(0);
    }

    /** The most responses of {@code type} any proxy received. */
    long max(String type) {
      return Arrays.stream(responses.get(type)).max().orElse(0);
    }
  }

  /**
   * S3's changes: {@code rate} rescales a second (3 <-> 4 pods) of random services for
   * {@code span}, and the last service (no proxy runs in it) scaled 3 -> 200 -> 0 -> 3 at its
   * quarters.
   */
  static Churn endpointChurn(Fleet fleet, Expected expected, MeshChanges to, Duration span, int rate)
      throws Exception {
    List<Map<String, SimProxy.Seen>> seenBefore = fleet.proxies.stream().map(SimProxy::seen).toList();
    long start = System.nanoTime();
    Random random = new Random(3);
    long changes = span.toMillis() * rate / 1000;
    int big = expected.mesh.services() - 1;
    int[] bigSteps = {200, 0, 3};
    long clustersChanged = 0;
    for (long i = 0; i < changes; i++) {
      if (i > 0 && i % (changes / 4) == 0 && i / (changes / 4) <= 3) {
        expected.scale(to, big, bigSteps[(int) (i / (changes / 4)) - 1]);
        clustersChanged += 3;
      }
      int s = random.nextInt(big);
      expected.scale(to, s, expected.replicas[s] == 3 ? 4 : 3);
      clustersChanged += 2; // the service's cluster and its v2 subset (replica 3 is a v2 pod)
      sleepUntil(start + (i + 1) * 1_000_000_000L / rate);
    }
    return new Churn(changes, (System.nanoTime() - start) / 1e9, clustersChanged, seenBefore);
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

  static String perProxy(Fleet fleet) {
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
    if (values.isEmpty()) {
      return "-";
    }
    return "p50 " + percentile(values, 50) + " ms, p99 " + percentile(values, 99) + " ms, max "
        + percentile(values, 100) + " ms";
  }

  /** The nearest-rank {@code p}th percentile of non-empty {@code values}. */
  static long percentile(List<Long> values, int p) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.get((int) Math.max(0, Math.ceil(sorted.size() * p / 100.0) - 1));
  }

  static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }
}
