package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.VirtualService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigStoreTest {
  private static final String GOOD = """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: r}
      spec: {hosts: [a], http: [{route: [{destination: {host: a, subset: v1}}]}]}
      """;
  private static final String BAD = """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: r}
      spec: {hosts: [a], http: [{match: [{uri: {regex: '('}}], route: [{destination: {host: a, subset: v2}}]}]}
      """;

  private final ConfigParser parser = new ConfigParser();
  private final ConfigStore store = new ConfigStore();

  private void apply(String yaml) {
    var p = parser.parse("f.yaml", yaml);
    store.replaceAll(p.conversions(), p.fileErrors());
  }

  @Test
  void lastValidVersionKeepsServingUntilFixed() {
    apply(GOOD);
    apply(BAD);
    VirtualService serving = store.snapshot().virtualServices().get(0);
    assertThat(serving.http().get(0).route().get(0).destination().subset()).isEqualTo("v1");
    assertThat(store.entries().get(0).latestValid()).isFalse();
    assertThat(store.problems()).extracting(ConfigError::toString)
        .anyMatch(s -> s.contains("VirtualService default/r: spec.http[0].match[0].uri.regex"));

    apply(GOOD.replace("subset: v1", "subset: v3"));
    assertThat(store.snapshot().virtualServices().get(0).http().get(0).route().get(0).destination().subset())
        .isEqualTo("v3");
    assertThat(store.problems()).isEmpty();
  }

  @Test
  void invalidFromTheStartIsNotServedButReported() {
    apply(BAD);
    assertThat(store.snapshot().virtualServices()).isEmpty();
    assertThat(store.entries()).singleElement().satisfies(e -> assertThat(e.serving()).isNull());
  }

  @Test
  void deletedResourcesDisappearAndListenersAreTold() {
    List<Long> seen = new ArrayList<>();
    store.addListener(() -> seen.add(store.generation()));
    apply(GOOD);
    apply("");
    assertThat(store.snapshot().virtualServices()).isEmpty();
    assertThat(seen).containsExactly(1L, 2L);
  }

  @Test
  void aResourceDefinedTwiceKeepsTheFirstAndReportsTheSecond() {
    apply(GOOD + "---\n" + GOOD.replace("subset: v1", "subset: v9"));
    assertThat(store.snapshot().virtualServices()).hasSize(1);
    assertThat(store.snapshot().virtualServices().get(0).http().get(0).route().get(0).destination().subset())
        .isEqualTo("v1");
    assertThat(store.problems()).extracting(ConfigError::toString)
        .anyMatch(s -> s.contains("VirtualService default/r: metadata.name: defined more than once"));
  }

  @Test
  void aRootWarnsWhileItsDelegateIsMissingAndStopsOnceItArrives() {
    var root = parser.parse("root.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: root}
        spec: {hosts: [a], http: [{match: [{uri: {prefix: /a}}], delegate: {name: rules}}]}
        """).conversions().get(0);
    store.put(root);
    ConfigStore.Entry warned = store.entry(root.ref()).orElseThrow();
    assertThat(warned.latestValid()).isTrue();
    assertThat(warned.problems()).extracting(ConfigError::toString).containsExactly("root.yaml: VirtualService"
        + " default/root: spec.http[0].delegate: VirtualService default/rules not found; this rule routes nothing");

    store.put(parser.parse("rules.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: rules}
        spec: {http: [{match: [{uri: {prefix: /b}}], route: [{destination: {host: a}}]}]}
        """).conversions().get(0));
    assertThat(store.problems()).extracting(ConfigError::toString).containsExactly("root.yaml: VirtualService"
        + " default/root: spec.http[0].match: VirtualService default/rules spec.http[0] matches outside this rule's"
        + " match; that rule is ignored");

    store.put(parser.parse("rules.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: rules}
        spec: {http: [{match: [{uri: {prefix: /a/b}}], route: [{destination: {host: a}}]}]}
        """).conversions().get(0));
    assertThat(store.problems()).isEmpty();
  }
}
