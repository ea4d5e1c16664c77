package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The same config gives the same xDS versions in every JVM. Hash-ordered collections (e.g.
 * {@code Map.copyOf}, whose iteration order is salted per JVM) must never decide output, or every
 * Bosun replica and restart would push proxies a different config.
 */
class DeterminismTest {
  /**
   * Locality distribute rules that all match a client in us-east/zone-a: Istio applies the first
   * as written, so the weights below must never depend on how a JVM hashes.
   */
  static final String DISTRIBUTE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: spread, namespace: default}
      spec:
        hosts: [spread.example.com]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{name: http, number: 80, protocol: HTTP}]
        endpoints:
        - {address: 10.7.0.1, locality: us-east/zone-a}
        - {address: 10.7.0.2, locality: us-east/zone-b}
        - {address: 10.7.0.3, locality: eu-west/zone-c}
        - {address: 10.7.0.4, locality: ap-south/zone-d}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: spread, namespace: default}
      spec:
        host: spread.example.com
        trafficPolicy:
          loadBalancer:
            localityLbSetting:
              distribute:
              - {from: us-east/zone-a/*, to: {us-east/zone-a/*: 100}}
              - {from: us-east/*, to: {us-east/zone-b/*: 100}}
              - {from: "*", to: {eu-west/*: 100}}
              - {from: us-east/zone-a, to: {ap-south/*: 100}}
              - {from: "us-east/*/*", to: {us-east/*: 50, eu-west/*: 50}}
      """;

  /** Run in a child JVM by the test below: writes the versions to the file {@code args[0]}. */
  public static void main(String[] args) throws Exception {
    Files.writeString(Path.of(args[0]), versions());
  }

  static String versions() throws Exception {
    StringBuilder yaml = new StringBuilder();
    try (Stream<Path> files = Files.list(Samples.dir("bookinfo"))) {
      for (Path f : files.sorted().toList()) {
        yaml.append(Files.readString(f)).append("\n---\n");
      }
    }
    yaml.append(Files.readString(Path.of("src/test/resources/translation/bookinfo-features.yaml")))
        .append("\n---\n").append(DISTRIBUTE);
    ConfigStore store = Samples.fromYaml(yaml.toString());
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    ConfigGenerator generator = new ConfigGenerator(store.snapshot());
    StringBuilder out = new StringBuilder();
    for (Proxy p : List.of(FeaturesGoldenTest.PRODUCTPAGE, FeaturesGoldenTest.GATEWAY)) {
      XdsResources r = generator.generate(p);
      out.append(p.id()).append(' ').append(r.clustersVersion()).append(' ').append(r.endpointsVersion())
          .append(' ').append(r.listenersVersion()).append(' ').append(r.routesVersion()).append(' ')
          .append(r.secretsVersion()).append('\n');
    }
    return out.toString();
  }

  @Test
  void theSameConfigGivesTheSameVersionsInEveryJvm() throws Exception {
    String here = versions();
    assertThat(here).contains(FeaturesGoldenTest.PRODUCTPAGE.id(), FeaturesGoldenTest.GATEWAY.id());
    // each JVM salts its hash order anew: three more JVMs make a hash-ordered output all but
    // certain to show
    List<String> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      others.add(childJvm());
    }
    assertThat(others).allSatisfy(o -> assertThat(o).isEqualTo(here));
  }

  @Test
  void theFirstDistributeRuleAsWrittenDecidesTheWeights() throws Exception {
    ConfigStore store = Samples.fromYaml(DISTRIBUTE);
    XdsResources r = new ConfigGenerator(store.snapshot()).generate(FeaturesGoldenTest.PRODUCTPAGE);
    var cla = r.endpoints().stream()
        .filter(c -> c.getClusterName().equals("outbound|80||spread.example.com")).findFirst().orElseThrow();
    assertThat(cla.getEndpointsList()).extracting(l -> l.getLocality().getZone() + "=" + l.getLoadBalancingWeight()
        .getValue()).containsExactly("zone-a=100");
  }

  private static String childJvm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path result = Files.createTempFile("versions", ".txt");
    try {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          DeterminismTest.class.getName(), result.toString()).redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
      assertThat(p.exitValue()).as("child JVM exit; its output: %s", log).isZero();
      return Files.readString(result);
    } finally {
      Files.deleteIfExists(result);
    }
  }
}
