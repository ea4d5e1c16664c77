package io.bosun.bench;

import com.sun.management.OperatingSystemMXBean;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import io.bosun.identity.SecretAccess;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.runtime.Pipeline;
import io.bosun.telemetry.MeshMetrics;
import io.bosun.xds.auth.XdsSecurity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Bosun under test, in its own JVM so that its CPU and heap are its own: the real store, push
 * pipeline and xDS server on loopback, fed a {@link MeshGen} mesh through the real parser (what
 * the informers do), then changed on command. One command per line on stdin, one answer line on
 * stdout: {@code vs S W}, {@code scale S N}, {@code stats}, {@code gc}, {@code quit}.
 */
public final class BenchServer {
  private final MeshGen mesh;
  private final ConfigParser parser = new ConfigParser();
  private final ConfigStore store = new ConfigStore();
  private final int[] replicas;

  private BenchServer(MeshGen mesh) {
    this.mesh = mesh;
    this.replicas = new int[mesh.services()];
    Arrays.fill(replicas, mesh.replicas());
  }

  public static void main(String[] args) throws Exception {
    MeshGen mesh = new MeshGen(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
        args.length > 3 && args[3].equals("scoped"));
    new BenchServer(mesh).run(System.out);
  }

  private void run(PrintStream out) throws Exception {
    List<Conversion> all = parser.parse("mesh.yaml", String.join("---\n", mesh.all())).conversions();
    store.replaceAll(all, List.of());
    XdsSecurity open = XdsSecurity.open().withLimits(1_000_000, 1_000_000);
    try (Pipeline pipeline = new Pipeline(store, () -> true, SecretAccess.ANY_IDENTITY, null,
        new InetSocketAddress("127.0.0.1", 0), open, MeshMetrics.NONE).start()) {
      out.println("READY " + pipeline.xds().port() + " " + store.entries().size() + " " + store.problems().size());
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        String[] w = line.trim().split(" ");
        switch (w[0]) {
          case "vs" -> apply(mesh.virtualService(Integer.parseInt(w[1]), Integer.parseInt(w[2])));
          case "scale" -> scale(Integer.parseInt(w[1]), Integer.parseInt(w[2]));
          case "gc" -> System.gc();
          case "stats" -> { }
          case "quit" -> {
            out.println("BYE");
            out.flush();
            return;
          }
          default -> throw new IllegalArgumentException("unknown command: " + line);
        }
        out.println("OK " + stats(pipeline));
        out.flush();
      }
    }
  }

  /** Pods first (their labels make the subsets), then the slice that names them. */
  private void scale(int service, int count) {
    for (int r = replicas[service]; r < count; r++) {
      apply(mesh.pod(service, r));
    }
    apply(mesh.endpoints(service, count));
    for (int r = count; r < replicas[service]; r++) {
      store.remove(new ResourceRef(Kind.POD, mesh.namespace(service), MeshGen.podName(service, r)));
    }
    replicas[service] = count;
  }

  private void apply(String yaml) {
    ConfigParser.Parsed parsed = parser.parse("churn.yaml", yaml);
    if (!parsed.fileErrors().isEmpty()) {
      throw new IllegalStateException(parsed.fileErrors().toString());
    }
    parsed.conversions().forEach(store::put);
  }

  /** cpu-ms, heap used, heap peak (bytes), pushes, translations. */
  private static String stats(Pipeline pipeline) {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return os.getProcessCpuTime() / 1_000_000 + " " + used + " " + peak + " " + pipeline.push().pushes() + " "
        + pipeline.push().translations();
  }
}
