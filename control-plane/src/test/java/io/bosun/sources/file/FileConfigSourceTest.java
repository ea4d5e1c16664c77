package io.bosun.sources.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileConfigSourceTest {
  private static final String SE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: NAME, namespace: web}
      spec:
        hosts: [NAME.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        endpoints: [{address: 127.0.0.1}]
      """;

  @TempDir
  Path dir;

  @Test
  void readsYamlRecursivelyMultiDocumentWithNamespaces() throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("a.yaml"), SE.replace("NAME", "a") + "---\n" + SE.replace("NAME", "b"));
    Files.writeString(dir.resolve("sub/c.yml"), SE.replace("NAME", "c").replace("namespace: web", "namespace: ''"));
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    ConfigStore store = new ConfigStore();
    new FileConfigSource(dir, new ConfigParser(), store).scan();
    assertThat(store.entries()).extracting(e -> e.ref().toString())
        .containsExactly("ServiceEntry default/c", "ServiceEntry web/a", "ServiceEntry web/b");
    assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
  }

  @Test
  void aFileThatStopsBeingYamlKeepsItsResourcesAndIsReported() throws Exception {
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store);
    source.scan();
    Files.writeString(f, "spec: [unclosed\n  - : :");
    assertThat(source.scan()).isTrue();
    assertThat(store.snapshot().registry().service("a.example.com")).as("still served").isNotNull();
    assertThat(store.problems()).extracting(ConfigError::toString)
        .anyMatch(s -> s.startsWith(f + ": not valid YAML"));

    Files.delete(f);
    source.scan();
    assertThat(store.snapshot().registry().services()).isEmpty();
    assertThat(store.problems()).isEmpty();
  }

  @Test
  void unknownKindIsReportedAndTheRestLoads() throws Exception {
    Files.writeString(dir.resolve("a.yaml"), """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        ---
        """ + SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    new FileConfigSource(dir, new ConfigParser(), store).scan();
    assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
    assertThat(store.problems()).extracting(ConfigError::toString)
        .anyMatch(s -> s.contains("a.yaml: Deployment default/web: kind: unsupported kind apps/v1 Deployment"));
  }

  @Test
  void thePollerAppliesAChangedFileOnlyOnceItHasSettled() throws Exception {
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store);
    source.scan();
    Files.writeString(f, SE.replace("NAME", "b").substring(0, 60)); // caught half-written
    assertThat(source.scan(true)).as("first sight of a change: wait").isFalse();
    Files.writeString(f, SE.replace("NAME", "b"));
    assertThat(source.scan(true)).as("changed again: still settling").isFalse();
    assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
    assertThat(source.scan(true)).as("unchanged since the last look: apply").isTrue();
    assertThat(store.snapshot().registry().service("b.example.com")).isNotNull();
    assertThat(store.problems()).isEmpty();
  }
}
