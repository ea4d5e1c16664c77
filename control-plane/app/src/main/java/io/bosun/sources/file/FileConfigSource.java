package io.bosun.sources.file;

import io.bosun.concurrent.DaemonThreads;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import io.bosun.logging.LogSafe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode's config source: every {@code *.yaml}/{@code *.yml} below a directory, polled
 * (cheap for config-sized trees, and unlike inotify it also sees ConfigMap symlink swaps and
 * editors that replace files).
 *
 * <p>Only complete files are applied: a change (or a deletion) counts once the file has looked the
 * same for the settle window, so a slow writer's prefix is never served (finding 7); a file that
 * never stops changing is read anyway after the wait cap (finding 23). A file is parsed off the
 * polling thread, so one slow file holds back only itself (finding 6), and over the size limit it
 * is not read at all. A file that cannot be read, is not UTF-8, is not YAML or holds no objects
 * (plain text, finding 8) keeps its previous objects serving and is reported; a read that failed
 * is retried, so fixing a permission clears the error (finding 21). An unreadable directory is
 * reported and the rest of the tree is still watched (finding 11).
 */
public final class FileConfigSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);

  /**
   * How files are taken in.
   *
   * @param settle   how long a change must stay unchanged before it is read
   * @param maxWait  a file changing for this long is read anyway
   * @param maxBytes larger files are refused unread
   */
  public record Limits(Duration settle, Duration maxWait, long maxBytes) {
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(1), Duration.ofSeconds(10), 2L << 20);
  }

  private record FileState(long size, long modified, List<Conversion> conversions, List<ConfigError> errors,
                           boolean retry) {
  }

  /** A change not applied yet: the signature last seen, since when, and since when it has been changing. */
  private record Pending(long size, long modified, long since, long changingSince) {
    boolean same(long s, long m) {
      return size == s && modified == m;
    }
  }

  /** How files are reached: the real file system, or (tests) one that refuses what the test says. */
  interface Disk {
    Disk REAL = new Disk() {
    };

    default byte[] read(Path p) throws IOException {
      return Files.readAllBytes(p);
    }

    default void walk(Path root, FileVisitor<Path> visitor) throws IOException {
      Files.walkFileTree(root, Set.of(), 32, visitor);
    }
  }

  private static final long GONE = -1;
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path dir;
  private final ConfigParser parser;
  private final ConfigStore store;
  private final Limits limits;
  private final LongSupplier clock;
  private final Disk disk;
  private final Map<Path, FileState> files = new TreeMap<>();
  private final Map<Path, Pending> pending = new TreeMap<>();
  private final Map<Path, Future<FileState>> parsing = new HashMap<>();
  private final Map<Path, Long> lastRead = new HashMap<>();
  private List<ConfigError> treeErrors = List.of();
  private ExecutorService parsers;
  private ScheduledExecutorService poller;
  private volatile boolean healthy = true;

  public FileConfigSource(Path dir, ConfigParser parser, ConfigStore store) {
    this(dir, parser, store, Limits.DEFAULTS, System::nanoTime);
  }

  /** {@code clock}: nanoseconds, as {@link System#nanoTime()} (tests pass their own). */
  public FileConfigSource(Path dir, ConfigParser parser, ConfigStore store, Limits limits, LongSupplier clock) {
    this(dir, parser, store, limits, clock, Disk.REAL);
  }

  FileConfigSource(Path dir, ConfigParser parser, ConfigStore store, Limits limits, LongSupplier clock, Disk disk) {
    this.disk = disk;
    this.dir = dir;
    this.parser = parser;
    this.store = store;
    this.limits = limits;
    this.clock = clock;
  }

  /** Reads the directory now, every change at once; returns true when anything changed since the last scan. */
  public synchronized boolean scan() {
    return scan(false);
  }

  /**
   * @param settle apply only changes that have settled, parsing in the background; false reads
   *               every change now, on this thread (start-up, tests)
   */
  synchronized boolean scan(boolean settle) {
    long now = clock.getAsLong();
    List<ConfigError> dirErrors = new ArrayList<>();
    Map<Path, BasicFileAttributes> present = list(dirErrors);
    boolean changed = !dirErrors.equals(treeErrors);
    treeErrors = List.copyOf(dirErrors);
    // a directory that could not be listed keeps its files' last state, as an unreadable file does
    for (Path known : files.keySet()) {
      if (!present.containsKey(known) && underUnreadable(known, dirErrors)) {
        present.put(known, null);
      }
    }
    for (Map.Entry<Path, BasicFileAttributes> e : present.entrySet()) {
      Path p = e.getKey();
      if (e.getValue() == null) {
        continue;
      }
      long size = e.getValue().size();
      long modified = e.getValue().lastModifiedTime().to(TimeUnit.MICROSECONDS);
      FileState old = files.get(p);
      boolean retryDue = old != null && old.retry() && now - lastRead.getOrDefault(p, 0L) >= RETRY_NANOS;
      if (old != null && old.size() == size && old.modified() == modified && !retryDue) {
        pending.remove(p);
        continue;
      }
      if (due(p, size, modified, now, settle) && !parsing.containsKey(p)) {
        pending.remove(p);
        lastRead.put(p, now);
        if (settle) {
          parsing.put(p, parsers().submit(() -> read(p, size, modified, files(p))));
        } else {
          files.put(p, read(p, size, modified, old));
          changed = true;
        }
      }
    }
    for (Path gone : new ArrayList<>(files.keySet())) {
      if (!present.containsKey(gone) && due(gone, GONE, GONE, now, settle)) {
        pending.remove(gone);
        files.remove(gone);
        LOG.info("{}: removed; its objects are withdrawn", safe(gone));
        changed = true;
      }
    }
    pending.keySet().removeIf(p -> !present.containsKey(p) && !files.containsKey(p));
    changed |= collectParsed();
    if (changed) {
      List<Conversion> all = new ArrayList<>();
      List<ConfigError> errors = new ArrayList<>(treeErrors);
      files.values().forEach(f -> {
        all.addAll(f.conversions());
        errors.addAll(f.errors());
      });
      store.replaceAll(all, errors);
    }
    return changed;
  }

  /** Whether a change to {@code p} (now looking like size/modified) may be applied now. */
  private boolean due(Path p, long size, long modified, long now, boolean settle) {
    if (!settle) {
      return true;
    }
    Pending seen = pending.get(p);
    if (seen == null || !seen.same(size, modified)) {
      long changingSince = seen == null ? now : seen.changingSince();
      seen = new Pending(size, modified, now, changingSince);
      pending.put(p, seen);
    }
    return now - seen.since() >= limits.settle().toNanos() || now - seen.changingSince() >= limits.maxWait().toNanos();
  }

  private synchronized FileState files(Path p) {
    return files.get(p);
  }

  /** Applies the parses that finished; a file that changed again meanwhile is read again later. */
  private boolean collectParsed() {
    boolean changed = false;
    for (var it = parsing.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Path, Future<FileState>> e = it.next();
      if (!e.getValue().isDone()) {
        continue;
      }
      it.remove();
      try {
        files.put(e.getKey(), e.getValue().get());
        changed = true;
      } catch (Exception ex) {
        LOG.error("{}: parsing failed unexpectedly; its previous objects keep serving", safe(e.getKey()), ex);
      }
    }
    return changed;
  }

  private FileState read(Path p, long size, long modified, FileState old) {
    String source = p.toString();
    if (size > limits.maxBytes()) {
      return keep(old, size, modified, false, ConfigError.error(source, null, "", "the file is " + size
          + " bytes; files over " + limits.maxBytes() + " bytes are not read (split it into several files)"));
    }
    String text;
    try {
      byte[] bytes = disk.read(p);
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return keep(old, size, modified, false, ConfigError.error(source, null, "", "not UTF-8 text"));
    } catch (AccessDeniedException e) {
      return keep(old, size, modified, true, ConfigError.error(source, null, "", "cannot read: permission denied"));
    } catch (IOException e) {
      return keep(old, size, modified, true, ConfigError.error(source, null, "", "cannot read: " + e));
    }
    ConfigParser.Parsed parsed;
    try {
      parsed = parser.parse(source, text);
    } catch (StackOverflowError | RuntimeException e) {
      return keep(old, size, modified, false, ConfigError.error(source, null, "", "cannot be processed: " + e));
    }
    boolean unreadable = parsed.conversions().isEmpty() && !parsed.fileErrors().isEmpty();
    if (unreadable && old != null && !old.conversions().isEmpty()) {
      return keep(old, size, modified, false, parsed.fileErrors().toArray(ConfigError[]::new));
    }
    return new FileState(size, modified, parsed.conversions(), parsed.fileErrors(), false);
  }

  private static FileState keep(FileState old, long size, long modified, boolean retry, ConfigError... errors) {
    List<Conversion> previous = old == null ? List.of() : old.conversions();
    return new FileState(size, modified, previous, List.of(errors), retry);
  }

  /** Every YAML file below the directory; a directory that cannot be read becomes an error, not an abort. */
  private Map<Path, BasicFileAttributes> list(List<ConfigError> errors) {
    Map<Path, BasicFileAttributes> out = new LinkedHashMap<>();
    if (!Files.isDirectory(dir)) {
      errors.add(ConfigError.error(dir.toString(), null, "", "the config directory does not exist"));
      return out;
    }
    try {
      disk.walk(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
              // hidden directories hold a ConfigMap volume's real files (..data, ..2026_..), seen
              // through the visible links already
              return !d.equals(dir) && d.getFileName().toString().startsWith(".")
                  ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String n = file.getFileName().toString();
              if (!(n.endsWith(".yaml") || n.endsWith(".yml")) || n.startsWith(".")) {
                return FileVisitResult.CONTINUE;
              }
              BasicFileAttributes target = attrs;
              if (attrs.isSymbolicLink()) {
                try {
                  target = Files.readAttributes(file, BasicFileAttributes.class); // what the link points to
                } catch (IOException e) {
                  return FileVisitResult.CONTINUE; // dangling, or a loop: nothing to read
                }
              }
              if (target.isRegularFile()) {
                out.put(file, target);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              // a loop of links or a dangling link is skipped; an unreadable directory is reported
              if (e instanceof AccessDeniedException) {
                errors.add(ConfigError.error(file.toString(), null, "", "cannot read: permission denied"));
              } else if (!(e instanceof FileSystemLoopException)
                  && !(e instanceof NoSuchFileException)) {
                errors.add(ConfigError.error(file.toString(), null, "", "cannot read: " + e));
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | RuntimeException e) {
      errors.add(ConfigError.error(dir.toString(), null, "", "cannot list: " + e));
    }
    return new TreeMap<>(out);
  }

  private static boolean underUnreadable(Path file, List<ConfigError> errors) {
    return errors.stream().anyMatch(e -> file.startsWith(Path.of(e.source())));
  }

  private synchronized ExecutorService parsers() {
    if (parsers == null) {
      parsers = Executors.newFixedThreadPool(2, DaemonThreads.named("file-config-parser"));
    }
    return parsers;
  }

  /** Scans once, then keeps polling every {@code intervalMillis}. */
  public FileConfigSource start(long intervalMillis) {
    scan();
    poller = DaemonThreads.scheduler("file-config-source");
    poller.scheduleWithFixedDelay(this::poll, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** One poll; whatever goes wrong is logged and the next poll tries again (the loop never dies, finding 3). */
  private void poll() {
    try {
      if (scan(true)) {
        LOG.info("config directory {} changed", safe(dir));
      }
      if (!healthy) {
        LOG.info("config directory {}: scanning works again", safe(dir));
      }
      healthy = true;
    } catch (Throwable e) {
      if (healthy) {
        LOG.error("scanning config directory {} failed; not ready until a scan succeeds", safe(dir), e);
      }
      healthy = false;
      if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
        throw (VirtualMachineError) e;
      }
    }
  }

  /** Whether a parse started by a poll is still running (tests wait for it). */
  synchronized boolean parsingNow() {
    return !parsing.isEmpty();
  }

  /** False while the last scan failed: nothing new is applied (readiness reports it). */
  public boolean healthy() {
    return healthy;
  }

  private static String safe(Path p) {
    return LogSafe.escape(p.toString());
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
    if (parsers != null) {
      parsers.shutdownNow();
    }
  }
}
