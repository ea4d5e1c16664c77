package io.bosun.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.identity.SecretAccess;
import io.bosun.telemetry.MeshMetrics;
import io.bosun.xds.XdsCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
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
}
