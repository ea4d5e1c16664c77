package io.bosun.bench;

import io.bosun.e2e.cluster.RealCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S2 and S3 side by side: Bosun and istiod, one after the other, in Kubernetes mode on the same
 * real API server holding the same {@link MeshGen} mesh, each serving the same simulated fleet
 * over plaintext ADS, with every change written through the API server. Usage:
 * {@code Versus --istiod DIR [--services N] [--namespaces N] [--proxies N] [--seconds S]
 * [--only bosun|istiod] [--xmx SIZE] [--record FILE]}, DIR being what
 * {@code benchmarks/bin/install-istiod} prints. {@code benchmarks/run versus-istiod} runs it in a
 * network namespace of its own, so nothing it starts can reach beyond loopback.
 */
public final class Versus {
  private Versus() {
  }

  /** What one control plane did in both scenarios. */
  record Run(String name, Scenarios.Result s2, Scenarios.Result s3, List<Long> s2Latencies,
                     double s3Cores) {
  }

  public static void main(String[] args) throws Exception {
    Path istiod = null;
    int services = 1000;
    int namespaces = 50;
    int proxies = 2000;
    int seconds = 60;
    String only = null;
    String xmx = null;
    Path record = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--istiod" -> istiod = Path.of(args[++i]);
        case "--services" -> services = Integer.parseInt(args[++i]);
        case "--namespaces" -> namespaces = Integer.parseInt(args[++i]);
        case "--proxies" -> proxies = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--only" -> only = args[++i];
        case "--xmx" -> xmx = args[++i];
        case "--record" -> record = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (istiod == null || !Files.isExecutable(istiod.resolve("pilot-discovery"))) {
      System.err.println("--istiod DIR must hold pilot-discovery and crd-all.gen.yaml: benchmarks/bin/install-istiod");
      System.exit(2);
    }
    MeshGen mesh = new MeshGen(services, namespaces, 3);
    Path dir = Files.createTempDirectory("bosun-versus");
    List<Run> runs = new ArrayList<>();
    int exit = 0;
    try (RealCluster cluster = RealCluster.start(false)) {
      KubeMesh kube = new KubeMesh(cluster.client(), mesh);
      kube.installCrds(List.of(istiod.resolve("crd-all.gen.yaml")));
      long t0 = System.nanoTime();
      kube.populate();
      System.out.printf("mesh on the API server in %.0f s%n", (System.nanoTime() - t0) / 1e9);
      Expected expected = new Expected(mesh);
      String setup = services + " services x 3 endpoints, " + proxies + " SotW sidecars in " + namespaces
          + " namespaces, Kubernetes mode on a real API server";
      for (String name : List.of("bosun", "istiod")) {
        if (only != null && !only.equals(name)) {
          continue;
        }
        Path cpDir = Files.createDirectories(dir.resolve(name));
        ControlPlane cp = name.equals("bosun") ? ControlPlane.bosun(cluster.kubeconfigPath(), cpDir, xmx)
            : ControlPlane.istiod(istiod.resolve("pilot-discovery"), cluster.kubeconfigPath(), cpDir);
        try {
          Run run = measure(cp, mesh, proxies, expected, kube, setup, Duration.ofSeconds(seconds));
          runs.add(run);
          for (Scenarios.Result r : List.of(run.s2(), run.s3())) {
            exit |= print(r, record);
          }
        } finally {
          cp.close();
        }
      }
    }
    if (runs.size() == 2) {
      String ratio = ratioRow(runs.get(0), runs.get(1));
      System.out.println(ratio);
      if (record != null) {
        Files.writeString(record, ratio + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
    System.out.println("control planes' logs: " + dir);
    System.exit(exit);
  }

  /**
   * Against {@code cp} (started, on the API server {@code kube} writes to): waits until it is ready,
   * connects the fleet, then S2 (three route changes) and S3 (endpoint churn for {@code churn}),
   * every change through the API server; {@code expected} carries the mesh's state across runs.
   */
  static Run measure(ControlPlane cp, MeshGen mesh, int proxies, Expected expected, KubeMesh kube,
                             String setup, Duration churn) throws Exception {
    long start = System.nanoTime();
    cp.awaitReady(Duration.ofMinutes(5));
    double readySeconds = (System.nanoTime() - start) / 1e9;
    try (Fleet fleet = new Fleet(mesh, proxies, false)) {
      long connect = System.nanoTime();
      // istiod refuses streams above PILOT_MAX_REQUESTS_PER_SECOND (25 on 2 cores), so its fleet
      // connects at 20 a second (a refused proxy retries with backoff, as Envoy does)
      Duration spread = cp.name().equals("istiod") ? Duration.ofMillis(proxies * 50L) : Duration.ofSeconds(10);
      fleet.connect(cp.xdsPort, spread);
      List<String> failures = new ArrayList<>(expected.converged(fleet));
      double configured = (System.nanoTime() - connect) / 1e9;
      Thread.sleep(2000);

      long cpu = cp.cpuMillis();
      List<Long> latencies = Scenarios.routeChanges(fleet, expected, kube, failures);
      long s2Cpu = cp.cpuMillis() - cpu;
      failures.addAll(expected.converged(fleet));
      Map<String, String> v2 = new LinkedHashMap<>();
      v2.put("ready", String.format("%.1f s after start; fleet connected over %d s (%d streams refused and retried),"
          + " converged %.1f s after the first", readySeconds, spread.toSeconds(),
          fleet.proxies.stream().mapToInt(SimProxy::retries).sum(), configured));
      v2.put("last ACK after the API write", Scenarios.percentiles(latencies));
      v2.put(cp.name() + " CPU per change", String.format("%.2f s", s2Cpu / 3000.0));
      v2.put("resident memory", mib(cp.rss()));
      v2.put("per proxy", Scenarios.perProxy(fleet));
      Scenarios.Result s2 = new Scenarios.Result("S2 " + cp.name(), setup, v2, List.copyOf(failures));

      Thread.sleep(1000);
      failures.clear();
      cpu = cp.cpuMillis();
      Scenarios.Churn c = Scenarios.endpointChurn(fleet, expected, kube, churn, 30);
      failures.addAll(expected.converged(fleet));
      Thread.sleep(1000);
      double cores = (cp.cpuMillis() - cpu) / 1000.0 / c.seconds();
      Scenarios.Received got = c.received(fleet);
      Map<String, String> v3 = new LinkedHashMap<>();
      v3.put("churn", c.describe(mesh) + ", through the API server");
      v3.put("EDS responses per proxy", got.eds());
      v3.put("CDS/LDS/RDS responses per proxy (max)", got.max(SimProxy.CDS) + "/" + got.max(SimProxy.LDS) + "/"
          + got.max(SimProxy.RDS));
      v3.put("assignments per proxy", got.maxAssignments() + " max, for " + c.clustersChanged() + " changed clusters");
      v3.put(cp.name() + " CPU", String.format("%.2f cores average", cores));
      v3.put("resident memory", mib(cp.rss()));
      if (!cp.alive()) {
        failures.add(cp.name() + " exited");
      }
      Scenarios.Result s3 = new Scenarios.Result("S3 " + cp.name(), setup, v3, List.copyOf(failures));
      return new Run(cp.name(), s2, s3, latencies, cores);
    }
  }

  private static String mib(long[] rss) {
    return (rss[0] >> 20) + " MiB, " + (rss[1] >> 20) + " MiB peak";
  }

  private static int print(Scenarios.Result r, Path record) throws Exception {
    String row = Scale.row(r);
    System.out.println(row);
    r.failures().forEach(f -> System.out.println("  FAILED: " + f));
    if (record != null) {
      Files.writeString(record, row + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    return r.ok() ? 0 : 1;
  }

  /** istiod's figures over Bosun's: above 1, Bosun is faster or cheaper. */
  private static String ratioRow(Run bosun, Run istiod) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("S2 last ACK p50 / p99", String.format("%.2f / %.2f", ratio(istiod.s2Latencies(), bosun.s2Latencies(), 50),
        ratio(istiod.s2Latencies(), bosun.s2Latencies(), 99)));
    v.put("S3 CPU", String.format("%.2f", istiod.s3Cores() / bosun.s3Cores()));
    Scenarios.Result r = new Scenarios.Result("S2/S3 istiod / Bosun", "the two runs above", v, List.of());
    return Scale.row(r);
  }

  private static double ratio(List<Long> a, List<Long> b, int percentile) {
    return (double) Scenarios.percentile(a, percentile) / Math.max(1, Scenarios.percentile(b, percentile));
  }
}
