package io.bosun.sources.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

  /** A clock the test moves; the source polls with it. */
  private final long[] now = {0};

  private FileConfigSource polled(ConfigStore store) {
    return new FileConfigSource(dir, new ConfigParser(), store, new FileConfigSource.Limits(Duration.ofSeconds(1),
        Duration.ofSeconds(10), 1 << 16), () -> now[0]);
  }

  private boolean pollAfter(FileConfigSource source, long millis) throws Exception {
    now[0] += millis * 1_000_000L;
    boolean changed = source.scan(true);
    // parsing happens off the polling thread; the poll after it finishes applies it
    for (int i = 0; i < 200 && !changed && source.parsingNow(); i++) {
      Thread.sleep(10);
      changed = source.scan(true);
    }
    return changed;
  }

  @Test
  void aSlowWritersPartialFileIsNeverApplied() throws Exception {
    // finding 7: 100 bytes every 300 ms; each prefix that happens to be valid YAML was applied
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = polled(store);
    source.scan();
    String next = SE.replace("NAME", "b");
    for (int end = 20; end < next.length(); end += 20) {
      Files.writeString(f, next.substring(0, end));
      assertThat(pollAfter(source, 300)).as("a file still being written is not applied").isFalse();
      assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
    }
    Files.writeString(f, next);
    assertThat(pollAfter(source, 300)).isFalse();
    assertThat(pollAfter(source, 1_000)).as("unchanged for the settle window: applied").isTrue();
    assertThat(store.snapshot().registry().service("b.example.com")).isNotNull();
    assertThat(store.problems()).isEmpty();
  }

  @Test
  void aFileThatNeverStopsChangingIsAppliedAtTheCap() throws Exception {
    // finding 23: rewritten faster than the settle window forever, it was never applied
    Path f = dir.resolve("a.yaml");
    ConfigStore store = new ConfigStore();
    FileConfigSource source = polled(store);
    source.scan();
    boolean applied = false;
    for (int i = 0; i < 120 && !applied; i++) {
      Files.writeString(f, SE.replace("NAME", "v" + i));
      Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000L + i));
      applied = pollAfter(source, 100);
    }
    assertThat(applied).as("applied within the 10 s cap").isTrue();
    assertThat(now[0]).isLessThanOrEqualTo(11_000_000_000L);
  }

  @Test
  void aDeletionSettlesToo() throws Exception {
    // finding 22: rm then cp 0.5 s later (a non-atomic deploy) left the route down meanwhile
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = polled(store);
    source.scan();
    Files.delete(f);
    assertThat(pollAfter(source, 100)).isFalse();
    assertThat(store.snapshot().registry().service("a.example.com")).as("still served").isNotNull();
    Files.writeString(f, SE.replace("NAME", "a"));
    pollAfter(source, 500);
    pollAfter(source, 1_000);
    assertThat(store.snapshot().registry().service("a.example.com")).as("never withdrawn").isNotNull();
    Files.delete(f);
    pollAfter(source, 100);
    assertThat(pollAfter(source, 1_000)).as("gone for the settle window: withdrawn").isTrue();
    assertThat(store.snapshot().registry().service("a.example.com")).isNull();
  }

  @Test
  void plainTextOverAFileKeepsItsObjectsAndSaysSo() throws Exception {
    // finding 8: the text was an "empty document", and every object of the file silently vanished
    for (String text : List.of("oops I overwrote the config with a note", "42", "word")) {
      Path f = dir.resolve("a.yaml");
      Files.writeString(f, SE.replace("NAME", "a"));
      ConfigStore store = new ConfigStore();
      FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store);
      source.scan();
      Files.writeString(f, text + "\n");
      source.scan();
      assertThat(store.snapshot().registry().service("a.example.com")).as(text).isNotNull();
      assertThat(store.problems()).extracting(ConfigError::toString)
          .anyMatch(p -> p.startsWith(f + ": document 1: not a Kubernetes object but"));
    }
  }

  @Test
  void aDuplicateNeverTakesOverTheServingDefinition() throws Exception {
    // finding 10: a new file sorting first silently replaced the serving object, and the log blamed the old file
    Files.writeString(dir.resolve("good.yaml"), SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store);
    source.scan();
    Files.writeString(dir.resolve("aa-dup.yaml"), SE.replace("NAME", "a").replace("127.0.0.1", "10.9.9.9"));
    source.scan();
    assertThat(store.entry(new ResourceRef(Kind.SERVICE_ENTRY, "web", "a")).orElseThrow().source())
        .isEqualTo(dir.resolve("good.yaml").toString());
    assertThat(store.problems()).extracting(ConfigError::toString).containsExactly(dir.resolve("aa-dup.yaml")
        + ": ServiceEntry web/a: metadata.name: defined more than once: refused; the definition in "
        + dir.resolve("good.yaml") + " keeps serving");
  }

  @Test
  void aFileOverTheSizeLimitIsNotReadAndKeepsItsObjects() throws Exception {
    // finding 6: a 50 MB file held the only config thread for 7 minutes
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    FileConfigSource source = polled(store);
    source.scan();
    Files.writeString(f, "data: \"" + "A".repeat(1 << 17) + "\"\n");
    long t0 = System.nanoTime();
    source.scan();
    assertThat(System.nanoTime() - t0).as("refused before reading").isLessThan(2_000_000_000L);
    assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
    assertThat(store.problems()).extracting(ConfigError::toString).containsExactly(f + ": the file is " + Files.size(f)
        + " bytes; files over 65536 bytes are not read (split it into several files)");
  }

  @Test
  void aSlowFileDoesNotHoldBackTheOthers() throws Exception {
    // finding 6/14: parsing happens off the polling thread, so the next file's change applies meanwhile
    CountDownLatch release = new CountDownLatch(1);
    FileConfigSource.Disk slow = new FileConfigSource.Disk() {
      @Override
      public byte[] read(Path p) throws IOException {
        if (p.endsWith("slow.yaml")) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return FileConfigSource.Disk.REAL.read(p);
      }
    };
    ConfigStore store = new ConfigStore();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store, new FileConfigSource.Limits(
        Duration.ofSeconds(1), Duration.ofSeconds(10), 1 << 16), () -> now[0], slow);
    source.scan();
    Files.writeString(dir.resolve("slow.yaml"), SE.replace("NAME", "slow"));
    Files.writeString(dir.resolve("fast.yaml"), SE.replace("NAME", "fast"));
    pollAfter(source, 100);
    now[0] += 2_000_000_000L;
    source.scan(true);
    for (int i = 0; i < 200 && store.snapshot().registry().service("fast.example.com") == null; i++) {
      Thread.sleep(10);
      source.scan(true);
    }
    assertThat(store.snapshot().registry().service("fast.example.com")).isNotNull();
    assertThat(store.snapshot().registry().service("slow.example.com")).isNull();
    release.countDown();
    for (int i = 0; i < 200 && store.snapshot().registry().service("slow.example.com") == null; i++) {
      Thread.sleep(10);
      source.scan(true);
    }
    assertThat(store.snapshot().registry().service("slow.example.com")).isNotNull();
    source.close();
  }

  @Test
  void anUnreadableDirectoryIsReportedOnceAndTheRestIsStillWatched() throws Exception {
    // finding 11: Files.walk threw on every poll, 300 stack traces a second, and nothing else applied
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Files.writeString(sub.resolve("x.yaml"), SE.replace("NAME", "x"));
    ConfigStore store = new ConfigStore();
    UnreadableDirs disk = new UnreadableDirs();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store, FileConfigSource.Limits.DEFAULTS,
        System::nanoTime, disk);
    source.scan();
    disk.withoutPermission(sub, () -> {
      source.scan();
      assertThat(store.problems()).extracting(ConfigError::toString)
          .containsExactly(sub + ": cannot read: permission denied");
      assertThat(store.snapshot().registry().service("x.example.com")).as("keeps serving").isNotNull();
      Files.writeString(dir.resolve("new.yaml"), SE.replace("NAME", "n"));
      source.scan();
      assertThat(store.snapshot().registry().service("n.example.com")).as("the rest is watched").isNotNull();
    });
    source.scan();
    assertThat(store.problems()).as("cleared when fixed").isEmpty();
  }

  @Test
  void aFailedReadIsRetriedSoAFixedPermissionClearsTheError() throws Exception {
    // finding 21: after chmod 644 the stale error stayed forever (same size and time, never re-read)
    Path f = dir.resolve("a.yaml");
    Files.writeString(f, SE.replace("NAME", "a"));
    ConfigStore store = new ConfigStore();
    UnreadableDirs disk = new UnreadableDirs();
    FileConfigSource source = new FileConfigSource(dir, new ConfigParser(), store, new FileConfigSource.Limits(
        Duration.ofSeconds(1), Duration.ofSeconds(10), 1 << 16), () -> now[0], disk);
    disk.withoutPermission(f, () -> {
      source.scan();
      assertThat(store.problems()).extracting(ConfigError::toString)
          .containsExactly(f + ": cannot read: permission denied");
    });
    pollAfter(source, 1_100);
    pollAfter(source, 1_100);
    assertThat(store.problems()).isEmpty();
    assertThat(store.snapshot().registry().service("a.example.com")).isNotNull();
  }

  @Test
  void aBinaryFileSaysItIsNotText() throws Exception {
    Files.write(dir.resolve("a.yaml"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
    ConfigStore store = new ConfigStore();
    new FileConfigSource(dir, new ConfigParser(), store).scan();
    assertThat(store.problems()).extracting(ConfigError::toString)
        .containsExactly(dir.resolve("a.yaml") + ": not UTF-8 text");
  }
}
