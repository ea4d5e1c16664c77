package io.bosun.monitoring;

import io.bosun.telemetry.MeshMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import io.prometheus.metrics.core.metrics.Info;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Bosun's metrics through Micrometer, in Prometheus' text format, with istiod's names where the
 * meaning is the same (see {@link MetricNames}). Counters get Prometheus' {@code _total} suffix.
 */
public final class MicrometerMetrics implements MeshMetrics, AutoCloseable {
  /** The xDS types, as Istio labels them. */
  public static final List<String> XDS_TYPES = List.of("cds", "eds", "lds", "rds", "sds");
  private static final double[] TIME_BUCKETS = {.01, .1, 1, 3, 5, 10, 20, 30};
  private static final double[] CONVERGENCE_BUCKETS = {.1, .5, 1, 3, 5, 10, 20, 30};
  private static final double[] SIZE_BUCKETS = {1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
  /** What function counters read: Micrometer holds it weakly, and a lambda has no other owner. */
  private final List<DoubleSupplier> counted = new CopyOnWriteArrayList<>();
  private final Timer pushTime;
  private final Timer convergence;
  private final Timer debounce;

  public MicrometerMetrics(String version) {
    registry.config().namingConvention(new IstioNaming());
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    // an info metric: Micrometer would strip the reserved _info suffix from a gauge's name
    Info.builder().name(MetricNames.INFO).help("Bosun's version.").labelNames("version")
        .register(registry.getPrometheusRegistry()).setLabelValues(version);
    pushTime = seconds(MetricNames.PUSH_TIME, "Time of one push to every proxy group, in seconds.", TIME_BUCKETS);
    convergence = seconds(MetricNames.CONVERGENCE_TIME,
        "Time from the first config change to the end of the push that serves it, in seconds.",
        CONVERGENCE_BUCKETS);
    debounce = seconds(MetricNames.DEBOUNCE_TIME, "Time changes waited in the debouncer, in seconds.",
        TIME_BUCKETS);
    for (String type : XDS_TYPES) {
      size(type);
    }
    for (String type : List.of("config", "proxy", "secret", "global")) {
      trigger(type);
    }
    injectionCounter(MetricNames.INJECTION_REQUESTS, "Sidecar injection requests.");
    for (Injection outcome : Injection.values()) {
      injectionCounter(injectionName(outcome), "Sidecar injection requests, by outcome.");
    }
  }

  private Timer seconds(String name, String help, double[] buckets) {
    Duration[] slos = new Duration[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      slos[i] = Duration.ofNanos((long) (buckets[i] * 1e9));
    }
    return Timer.builder(name).description(help).serviceLevelObjectives(slos).register(registry);
  }

  /**
   * Prometheus' names, except istiod's histograms of seconds: they keep istiod's names, without
   * the {@code _seconds} Micrometer gives timers.
   */
  private static final class IstioNaming implements NamingConvention {
    private static final Set<String> UNSUFFIXED = Set.of(MetricNames.PUSH_TIME, MetricNames.CONVERGENCE_TIME,
        MetricNames.DEBOUNCE_TIME);
    private final NamingConvention prometheus = new PrometheusNamingConvention();

    @Override
    public String name(String name, Meter.Type type, String baseUnit) {
      return UNSUFFIXED.contains(name) ? name : prometheus.name(name, type, baseUnit);
    }

    @Override
    public String tagKey(String key) {
      return prometheus.tagKey(key);
    }
  }

  private DistributionSummary size(String type) {
    return DistributionSummary.builder(MetricNames.CONFIG_SIZE).description("xDS config size, by type, in bytes.")
        .tag("type", type).serviceLevelObjectives(SIZE_BUCKETS).register(registry);
  }

  private Counter trigger(String type) {
    return Counter.builder(MetricNames.PUSH_TRIGGERS).description("Push requests, by trigger type.")
        .tag("type", type).register(registry);
  }

  private Counter injectionCounter(String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }

  private static String injectionName(Injection outcome) {
    return switch (outcome) {
      case SUCCESS -> MetricNames.INJECTION_SUCCESS;
      case FAILURE -> MetricNames.INJECTION_FAILURE;
      case SKIP -> MetricNames.INJECTION_SKIP;
    };
  }

  @Override
  public void pushTriggered(String type) {
    trigger(type).increment();
  }

  @Override
  public void debounced(Duration waited) {
    debounce.record(waited);
  }

  @Override
  public void pushed(Duration took, Duration sinceFirstChange) {
    pushTime.record(took);
    if (sinceFirstChange != null) {
      convergence.record(sinceFirstChange);
    }
  }

  @Override
  public void configSize(String type, long bytes) {
    size(type.toLowerCase(Locale.ROOT)).record(bytes);
  }

  @Override
  public void configEvent(String type, String event) {
    Counter.builder(MetricNames.CONFIG_EVENTS).description("Config events from Kubernetes, by kind and event.")
        .tags("type", type, "event", event).register(registry).increment();
  }

  @Override
  public void injection(Injection outcome) {
    injectionCounter(MetricNames.INJECTION_REQUESTS, "Sidecar injection requests.").increment();
    injectionCounter(injectionName(outcome), "Sidecar injection requests, by outcome.").increment();
  }

  /** A gauge read at each scrape. */
  public void gauge(String name, String help, Map<String, String> tags, DoubleSupplier value) {
    Gauge.builder(name, value::getAsDouble).description(help).tags(tags(tags)).register(registry);
  }

  /** A counter kept elsewhere (e.g. by the xDS server), read at each scrape. */
  public void counter(String name, String help, Map<String, String> tags, DoubleSupplier value) {
    counted.add(value);
    FunctionCounter.builder(name, value, DoubleSupplier::getAsDouble).description(help).tags(tags(tags))
        .register(registry);
  }

  /** A gauge whose label sets change (e.g. connected proxies by type), recomputed at each scrape. */
  public void gauges(String name, String help, Supplier<Map<Map<String, String>, Double>> rows) {
    MultiGauge gauge = MultiGauge.builder(name).description(help).register(registry);
    beforeScrape.add(() -> {
      List<MultiGauge.Row<?>> out = new ArrayList<>();
      rows.get().forEach((labels, value) -> out.add(MultiGauge.Row.of(tags(labels), value)));
      gauge.register(out, true);
    });
  }

  private static Tags tags(Map<String, String> tags) {
    Tags out = Tags.empty();
    for (Map.Entry<String, String> t : tags.entrySet()) {
      out = out.and(t.getKey(), t.getValue());
    }
    return out;
  }

  /** Prometheus' text exposition of every metric. */
  public String scrape() {
    beforeScrape.forEach(Runnable::run);
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
