package io.bosun.bench;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.translate.ConfigGenerator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-proxy translation and serialization on the scale scenarios' mesh: a whole generation
 * (shared outbound work plus the first sidecar), one more sidecar of another namespace (its own
 * variant), one more of a namespace already translated (shared), and hashing a result's routes
 * into a version (a full serialization).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TranslationBenchmark {
  @Param({"1000"})
  public int services;

  private MeshSnapshot snapshot;
  private ConfigGenerator warm;
  private Proxy first;
  private Proxy otherNamespace;
  private XdsResources translated;

  @Setup
  public void setUp() {
    String mesh = String.join("---\n", new MeshGen(services, 50, 3).all());
    ConfigParser.Parsed parsed = new ConfigParser().parse("mesh.yaml", mesh);
    ConfigStore store = new ConfigStore();
    store.replaceAll(parsed.conversions(), List.of());
    snapshot = store.snapshot();
    first = sidecar(0);
    otherNamespace = sidecar(1);
    warm = new ConfigGenerator(snapshot);
    translated = warm.generate(first);
  }

  private static Proxy sidecar(int namespace) {
    return new Proxy("sidecar~10.64.0." + namespace + "~p.ns-" + namespace, ProxyType.SIDECAR, "10.64.0." + namespace,
        "p", "ns-" + namespace, Map.of("app", "svc-" + namespace, "version", "v1"));
  }

  /** A new config generation's first sidecar: the shared outbound work and its own variant. */
  @Benchmark
  public XdsResources generationAndFirstSidecar() {
    return new ConfigGenerator(snapshot).generate(first);
  }

  /** A generation whose shared work is done (by its first sidecar), fresh for every call. */
  @State(Scope.Thread)
  public static class Warmed {
    ConfigGenerator generator;

    @Setup(Level.Invocation)
    public void setUp(TranslationBenchmark b) {
      generator = new ConfigGenerator(b.snapshot);
      generator.generate(b.first);
    }
  }

  /** One sidecar of a namespace not translated yet in this generation: its own variant. */
  @Benchmark
  public XdsResources sidecarOfANewVariant(Warmed w) {
    return w.generator.generate(otherNamespace);
  }

  /** One more sidecar whose variant is already translated: what most of a fleet costs. */
  @Benchmark
  public XdsResources sidecarOfATranslatedVariant() {
    return warm.generate(otherNamespace.withLocality(""));
  }

  /**
   * Serializing and hashing one sidecar's route tables into a version, as for a table just
   * translated (a copy, since each instance's digest is computed once and kept).
   */
  @Benchmark
  public String routesVersion() {
    return XdsResources.versionOf(translated.routes().stream().map(r -> r.toBuilder().build()).toList());
  }
}
