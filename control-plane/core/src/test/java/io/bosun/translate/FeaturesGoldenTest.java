package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Golden;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Golden files for a bookinfo-like mesh that uses the rest of the traffic-management API: mesh
 * config, TCP routes, TLS origination, locality failover, exportTo, HTTPS with a Secret,
 * httpsRedirect, PASSTHROUGH and a delegate. Update with -Dgolden.update=true and review the diff.
 */
class FeaturesGoldenTest {
  static final Proxy PRODUCTPAGE = new Proxy("sidecar~10.244.0.10~productpage-v1.default~default.svc.cluster.local",
      ProxyType.SIDECAR, "10.244.0.10", "productpage-v1", "default", Map.of("app", "productpage", "version", "v1"),
      "us-east/zone-a/");
  /** A gateway whose service account may read its namespace's Secrets (its HTTPS server needs one). */
  static final Proxy GATEWAY = new Proxy("router~10.244.0.2~ingress.istio-system~istio-system.svc.cluster.local",
      ProxyType.ROUTER, "10.244.0.2", "ingress", "istio-system", Map.of("istio", "ingressgateway"))
      .withSecretAccess(true);

  static ConfigGenerator generator() throws Exception {
    StringBuilder yaml = new StringBuilder();
    try (Stream<Path> files = Files.list(Samples.dir("bookinfo"))) {
      for (Path f : files.sorted().toList()) {
        yaml.append(Files.readString(f)).append("\n---\n");
      }
    }
    yaml.append(Files.readString(Path.of("src/test/resources/translation/bookinfo-features.yaml")));
    ConfigStore store = Samples.fromYaml(yaml.toString());
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    return new ConfigGenerator(store.snapshot());
  }

  @Test
  void sidecar() throws Exception {
    XdsResources c = generator().generate(PRODUCTPAGE);
    assertThat(c.listeners()).extracting(Listener::getName).contains("10.96.0.20_27017", "virtualInbound");
    assertThat(TranslationGoldenTest.render(c)).contains("\"block_all\"", "envoy.tracers.zipkin", "/dev/stdout",
        "\"sni\": \"api.payments.example.com\"");
    Golden.assertMatches("bookinfo-features-sidecar.json", TranslationGoldenTest.render(c));
  }

  @Test
  void gateway() throws Exception {
    XdsResources c = generator().generate(GATEWAY);
    assertThat(c.secrets()).extracting(s -> s.getName()).containsExactly("kubernetes://bookinfo-cert");
    assertThat(c.listeners()).extracting(Listener::getName).contains("0.0.0.0_8443", "0.0.0.0_8081", "0.0.0.0_8444");
    Cluster ratings = c.clusters().stream().filter(x -> x.getName()
        .equals("outbound|9080||ratings.default.svc.cluster.local"))
        .findFirst().orElseThrow();
    assertThat(ratings.hasOutlierDetection()).as("the ratings rule is exported to default only").isFalse();
    // the secret's key must never be in the golden file: render without secrets
    Golden.assertMatches("bookinfo-features-gateway.json", TranslationGoldenTest.render(
        new XdsResources(c.clusters(), c.endpoints(), c.listeners(), c.routes())));
  }
}
