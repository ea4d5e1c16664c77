package io.bosun.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.telemetry.MeshMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  private static final Path DASHBOARD = Path.of("../../samples/grafana/bosun-dashboard.json");
  private static final Pattern METRIC = Pattern.compile("\\b[a-z][a-z0-9_]*_[a-z0-9_]+\\b(?=\\s*[{\\[)]|\\s*$)");

  /** A run that touches every metric: what a scrape after pushes, NACKs, events and injections holds. */
  private static String realisticScrape(MicrometerMetrics m) {
    AtomicLong pushes = new AtomicLong();
    m.gauges(MetricNames.XDS, "connected", () -> Map.of(Map.of("type", "sidecar", "version", "unknown"), 2.0));
    m.counter(MetricNames.XDS_PUSHES, "pushes", Map.of("type", "cds"), pushes::get);
    m.counter(MetricNames.XDS_REJECTS, "rejects", Map.of("type", "lds"), () -> 1);
    m.counter(MetricNames.PUSHES, "pushes", Map.of(), () -> 1);
    m.counter(MetricNames.TRANSLATIONS, "translations", Map.of(), () -> 1);
    m.gauge(MetricNames.SERVICES, "services", Map.of(), () -> 3);
    m.gauge(MetricNames.VIRTUAL_SERVICES, "virtual services", Map.of(), () -> 1);
    m.gauge(MetricNames.CONFIG_GENERATION, "generation", Map.of(), () -> 7);
    m.gauge(MetricNames.CONFIG_RESOURCES, "resources", Map.of("kind", "VirtualService"), () -> 1);
    m.gauge(MetricNames.CONFIG_INVALID, "invalid", Map.of(), () -> 0);
    m.gauge(MetricNames.CONFIG_ERRORS, "errors", Map.of(), () -> 0);
    pushes.set(5);
    m.pushTriggered("config");
    m.pushTriggered("config");
    m.debounced(Duration.ofMillis(150));
    m.pushed(Duration.ofMillis(20), Duration.ofMillis(170));
    m.configSize("LDS", 12_345);
    m.configEvent("VirtualService", "add");
    m.injection(MeshMetrics.Injection.SUCCESS);
    m.injection(MeshMetrics.Injection.SKIP);
    System.gc(); // what the metrics read must outlive a collection (Micrometer holds some weakly)
    return m.scrape();
  }

  @Test
  void recordsWhatTheDataPathReports() {
    try (MicrometerMetrics m = new MicrometerMetrics("1.2.3")) {
      String scrape = realisticScrape(m);
      assertThat(scrape)
          .contains("pilot_info{version=\"1.2.3\"} 1")
          .contains("pilot_xds{type=\"sidecar\",version=\"unknown\"} 2")
          .contains("pilot_xds_pushes_total{type=\"cds\"} 5")
          .contains("pilot_total_xds_rejects_total{type=\"lds\"} 1")
          .contains("pilot_push_triggers_total{type=\"config\"} 2")
          .contains("pilot_push_triggers_total{type=\"proxy\"} 0")
          .contains("pilot_debounce_time_bucket{le=\"1.0\"} 1")
          .contains("pilot_debounce_time_bucket{le=\"0.1\"} 0")
          .contains("pilot_debounce_time_count 1")
          .contains("pilot_xds_push_time_sum 0.02")
          .contains("pilot_proxy_convergence_time_bucket{le=\"0.5\"} 1")
          .contains("pilot_proxy_convergence_time_bucket{le=\"0.1\"} 0")
          .contains("pilot_xds_config_size_bytes_bucket{type=\"lds\",le=\"1000000.0\"} 1")
          .contains("pilot_xds_config_size_bytes_count{type=\"cds\"} 0")
          .contains("pilot_xds_config_size_bytes_sum{type=\"lds\"} 12345")
          .contains("pilot_k8s_cfg_events_total{event=\"add\",type=\"VirtualService\"} 1")
          .contains("sidecar_injection_requests_total 2")
          .contains("sidecar_injection_success_total 1")
          .contains("sidecar_injection_skip_total 1")
          .contains("sidecar_injection_failure_total 0")
          .contains("pilot_services 3")
          .contains("pilot_virt_services 1")
          .contains("jvm_memory_used_bytes{")
          .contains("jvm_threads_live_threads")
          .contains("system_cpu_count");
    }
  }

  @Test
  void connectedProxiesFollowWhatIsConnected() {
    try (MicrometerMetrics m = new MicrometerMetrics("dev")) {
      List<Map<Map<String, String>, Double>> states = new ArrayList<>(List.of(
          Map.of(Map.of("type", "sidecar", "version", "unknown"), 1.0),
          Map.of(Map.of("type", "router", "version", "unknown"), 1.0)));
      m.gauges(MetricNames.XDS, "connected", () -> states.get(0));
      assertThat(m.scrape()).contains("pilot_xds{type=\"sidecar\",version=\"unknown\"} 1");
      states.remove(0);
      assertThat(m.scrape()).contains("pilot_xds{type=\"router\",version=\"unknown\"} 1")
          .doesNotContain("pilot_xds{type=\"sidecar\"");
    }
  }

  @Test
  void theDashboardQueriesOnlyMetricsBosunExports() throws Exception {
    Set<String> exported = new TreeSet<>();
    try (MicrometerMetrics m = new MicrometerMetrics("dev")) {
      for (String line : realisticScrape(m).split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          exported.add(line.split("[{ ]", 2)[0]);
        }
      }
    }
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    List<String> queried = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        Matcher names = METRIC.matcher(expr.replaceAll("\\{[^}]*}", "{}").replaceAll("\\[[^]]*]", "[]")
            .replaceAll("by \\([^)]*\\)", ""));
        int before = queried.size();
        while (names.find()) {
          queried.add(names.group());
        }
        assertThat(queried.size()).as("a metric in " + expr).isGreaterThan(before);
      }
    }
    assertThat(exported).containsAll(queried);
    // every metric of Bosun's own is on the dashboard
    assertThat(queried.stream().map(q -> q.replaceAll("_(total|bucket)$", "")).toList())
        .containsAll(MetricNames.ALL.stream().filter(n -> !n.equals(MetricNames.PUSHES)
            && !n.equals(MetricNames.TRANSLATIONS) && !n.equals(MetricNames.CONFIG_GENERATION)
            && !n.equals(MetricNames.CONFIG_RESOURCES)).toList());
  }
}
