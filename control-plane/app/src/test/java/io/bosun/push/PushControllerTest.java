package io.bosun.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.identity.SecretAccess;
import io.bosun.telemetry.MeshMetrics;
import io.bosun.xds.XdsCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class PushControllerTest {
  static final String SERVICE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: %1$s, namespace: default}
      spec:
        hosts: [%1$s.example.com]
        resolution: STATIC
        ports: [{name: http, number: 80, protocol: HTTP}]
        endpoints: [{address: 10.1.1.1}]
      """;

  @Test
  void aProxyConnectingBeforeTheNextPushGetsTheStoresCurrentConfig() throws Exception {
    ConfigStore store = new ConfigStore();
    ConfigParser parser = new ConfigParser();
    ProxyRegistry proxies = new ProxyRegistry(store);
    XdsCache cache = new XdsCache(proxies::groupOf);
    try (PushController push = new PushController(store, () -> true, SecretAccess.ANY_IDENTITY, null, proxies, cache,
        MeshMetrics.NONE)) {
      // the change is in the store; its debounced push has not run yet
      parser.parse("test", SERVICE.formatted("first")).conversions().forEach(store::put);
      Node node = Node.newBuilder().setId("sidecar~10.0.0.9~app-1.default~default.svc.cluster.local").build();
      String group = proxies.groupOf(node);
      push.onNewGroup(group, node);
      assertThat(cache.resources(group).orElseThrow().clusters()).extracting(Cluster::getName)
          .contains("outbound|80||first.example.com");
    }
  }

  /** Records what the push controller reports, as the monitoring package would. */
  static final class Recorded implements MeshMetrics {
    final List<String> triggers = new CopyOnWriteArrayList<>();
    final List<Duration> debounced = new CopyOnWriteArrayList<>();
    final List<Duration> pushed = new CopyOnWriteArrayList<>();
    final List<Duration> converged = new CopyOnWriteArrayList<>();
    final Map<String, Long> sizes = new ConcurrentHashMap<>();

    @Override
    public void pushTriggered(String type) {
      triggers.add(type);
    }

    @Override
    public void debounced(Duration waited) {
      debounced.add(waited);
    }

    @Override
    public void pushed(Duration took, Duration sinceFirstChange) {
      pushed.add(took);
      converged.add(sinceFirstChange);
    }

    @Override
    public void configSize(String type, long bytes) {
      sizes.put(type, bytes);
    }
  }

  @Test
  void reportsTriggersDebounceAndPushTimesAndConfigSizes() throws Exception {
    ConfigStore store = new ConfigStore();
    ConfigParser parser = new ConfigParser();
    ProxyRegistry proxies = new ProxyRegistry(store);
    XdsCache cache = new XdsCache(proxies::groupOf);
    Recorded metrics = new Recorded();
    try (PushController push = new PushController(store, () -> true, SecretAccess.ANY_IDENTITY, null, proxies, cache,
        metrics)) {
      Node node = Node.newBuilder().setId("sidecar~10.0.0.9~app-1.default~default.svc.cluster.local").build();
      String group = proxies.groupOf(node);
      push.onNewGroup(group, node);
      assertThat(metrics.triggers).containsExactly("proxy");
      long before = System.nanoTime();
      parser.parse("test", SERVICE.formatted("first")).conversions().forEach(store::put);
      parser.parse("test", SERVICE.formatted("second")).conversions().forEach(store::put);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> push.lastPush().isPresent());
      long waited = System.nanoTime() - before;
      assertThat(metrics.triggers).containsExactly("proxy", "config", "config");
      assertThat(metrics.debounced).hasSize(1);
      // the debouncer waits its quiet period; convergence covers the wait and the push
      assertThat(metrics.debounced.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(PushController.QUIET_MILLIS))
          .isLessThan(Duration.ofNanos(waited));
      assertThat(metrics.converged.get(0)).isGreaterThan(metrics.debounced.get(0))
          .isGreaterThanOrEqualTo(metrics.pushed.get(0));
      assertThat(metrics.sizes.get("cds")).isEqualTo(cache.resources(group).orElseThrow().clusters().stream()
          .mapToLong(Cluster::getSerializedSize).sum()).isPositive();
      assertThat(metrics.sizes).containsKeys("eds", "lds", "rds", "sds");
      PushController.PushStatus last = push.lastPush().orElseThrow();
      assertThat(last.triggers()).isEqualTo(Map.of("config", 2L));
      assertThat(last.proxyGroups()).as("no xDS stream keeps the group connected here").isZero();
    }
  }
}
