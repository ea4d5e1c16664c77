package io.bosun.sources.file;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode's config source: every {@code *.yaml}/{@code *.yml} below a directory.
 * Polls for changes (cheap for config-sized trees, and unlike inotify it also sees ConfigMap
 * symlink swaps and editors that replace files); a changed file is read once two polls agree on
 * its size and time, so a half-written file is not applied. A file that stops being valid YAML keeps its
 * previously loaded resources serving.
 */
public final class FileConfigSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);

  private record FileState(long size, long modified, List<Conversion> conversions, List<ConfigError> errors) {
  }

  private final Path dir;
  private final ConfigParser parser;
  private final ConfigStore store;
  private final Map<Path, FileState> files = new TreeMap<>();
  /** Changed files seen once by the poller, read when a second look finds them unchanged. */
  private final Map<Path, List<Long>> settling = new TreeMap<>();
  private ScheduledExecutorService poller;

  public FileConfigSource(Path dir, ConfigParser parser, ConfigStore store) {
    this.dir = dir;
    this.parser = parser;
    this.store = store;
  }

  /** Reads the directory now; returns true when anything changed since the last scan. */
  public synchronized boolean scan() {
    return scan(false);
  }

  /**
   * @param settle read a changed file only once it looks the same on two consecutive scans, so
   *               a file caught half-written (truncated, then written) is never applied
   */
  boolean scan(boolean settle) {
    List<Path> paths = listYaml();
    settling.keySet().retainAll(paths);
    boolean changed = files.keySet().retainAll(paths);
    for (Path p : paths) {
      FileState old = files.get(p);
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(p, BasicFileAttributes.class);
      } catch (IOException e) {
        continue; // vanished between listing and reading; the next scan sees it gone
      }
      long size = attrs.size();
      long modified = attrs.lastModifiedTime().to(TimeUnit.MICROSECONDS);
      if (old != null && old.size == size && old.modified == modified) {
        settling.remove(p);
        continue;
      }
      List<Long> seen = List.of(size, modified);
      if (settle && !seen.equals(settling.put(p, seen))) {
        continue;
      }
      settling.remove(p);
      files.put(p, read(p, size, modified, old));
      changed = true;
    }
    if (changed) {
      List<Conversion> all = new ArrayList<>();
      List<ConfigError> errors = new ArrayList<>();
      files.values().forEach(f -> {
        all.addAll(f.conversions);
        errors.addAll(f.errors);
      });
      store.replaceAll(all, errors);
    }
    return changed;
  }

  private FileState read(Path p, long size, long modified, FileState old) {
    String source = p.toString();
    String text;
    try {
      text = Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return keep(old, size, modified, ConfigError.error(source, null, "", "cannot read: " + e.getMessage()));
    }
    ConfigParser.Parsed parsed = parser.parse(source, text);
    boolean unreadable = parsed.conversions().isEmpty() && !parsed.fileErrors().isEmpty();
    if (unreadable && old != null && !old.conversions.isEmpty()) {
      return keep(old, size, modified, parsed.fileErrors().toArray(ConfigError[]::new));
    }
    return new FileState(size, modified, parsed.conversions(), parsed.fileErrors());
  }

  private static FileState keep(FileState old, long size, long modified, ConfigError... errors) {
    List<Conversion> previous = old == null ? List.of() : old.conversions;
    return new FileState(size, modified, previous, List.of(errors));
  }

  private List<Path> listYaml() {
    if (!Files.isDirectory(dir)) {
      LOG.warn("config directory {} does not exist", dir);
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> {
            String n = p.getFileName().toString();
            return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.startsWith(".");
          })
          .sorted()
          .toList();
    } catch (IOException e) {
      LOG.warn("cannot list config directory {}: {}", dir, e.toString());
      return new ArrayList<>(files.keySet());
    }
  }

  /** Scans once, then keeps polling every {@code intervalMillis}. */
  public FileConfigSource start(long intervalMillis) {
    scan();
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "file-config-source");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(() -> {
      try {
        if (scan(true)) {
          LOG.info("config directory {} changed", dir);
        }
      } catch (RuntimeException e) {
        LOG.error("scanning {} failed", dir, e);
      }
    }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
