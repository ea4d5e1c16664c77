package io.bosun.envoy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Envoy child process with its own work directory (bootstrap file and log) and admin
 * port. Used by {@code bosun demo} and by the {@code *IT} tests.
 */
public final class EnvoyProcess implements AutoCloseable {

  /** Set to any value to keep work directories (bootstrap and full log) after close. */
  public static final String KEEP_DIRS_ENV = "BOSUN_KEEP_ENVOY_DIRS";

  private static final Logger LOG = LoggerFactory.getLogger(EnvoyProcess.class);
  private static final int FAILURE_TAIL_LINES = 60;
  /** Envoy's startup lines "[..][main] [source/server/server.cc:N]   envoy.category: ext, ext". */
  private static final Pattern EXTENSION_LISTING = Pattern.compile("\\[main\\] \\[[^\\]]*\\] {3}\\S+: ");

  private final Process process;
  private final Path workDir;
  private final Path logFile;
  private final EnvoyAdmin admin;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private EnvoyProcess(Process process, Path workDir, Path logFile, int adminPort) {
    this.process = process;
    this.workDir = workDir;
    this.logFile = logFile;
    this.admin = new EnvoyAdmin("127.0.0.1", adminPort);
    // An Envoy must never outlive the JVM that started it (a crashed test run, Ctrl-C on the demo).
    this.shutdownHook = new Thread(process::destroyForcibly, "envoy-reaper-" + process.pid());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts Envoy with the given bootstrap; its admin port comes from the bootstrap. */
  public static EnvoyProcess start(Path binary, Bootstrap bootstrap) {
    return start(binary, bootstrap.toYaml(), bootstrap.adminPort(), List.of());
  }

  /**
   * Starts Envoy with a raw bootstrap. {@code adminPort} must match the bootstrap's admin
   * address on 127.0.0.1; {@code extraArgs} are appended (e.g. {@code --concurrency 1}).
   */
  public static EnvoyProcess start(Path binary, String bootstrapYaml, int adminPort, List<String> extraArgs) {
    try {
      Path dir = Files.createTempDirectory("bosun-envoy-");
      Path config = dir.resolve("envoy.yaml");
      Path log = dir.resolve("envoy.log");
      Files.writeString(config, bootstrapYaml, StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>(List.of(binary.toString(),
          "-c", config.toString(),
          "--disable-hot-restart", // lets many Envoys share one host
          "--log-level", "info",
          "--drain-time-s", "1"));
      cmd.addAll(extraArgs);
      Process p = new ProcessBuilder(cmd)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      LOG.info("Started Envoy pid {} (admin 127.0.0.1:{}, dir {})", p.pid(), adminPort, dir);
      return new EnvoyProcess(p, dir, log, adminPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Envoy " + binary, e);
    }
  }

  /**
   * Runs {@code envoy --mode validate} on a bootstrap: returns Envoy's output when the config is
   * accepted, throws with that output when not.
   */
  public static String validate(Path binary, String bootstrapYaml) {
    try {
      Path dir = Files.createTempDirectory("bosun-envoy-validate-");
      try {
        Path config = dir.resolve("envoy.yaml");
        Files.writeString(config, bootstrapYaml, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(binary.toString(), "--mode", "validate", "-c", config.toString(),
            "--disable-hot-restart", "--log-level", "warn")
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("envoy --mode validate hung");
        }
        if (p.exitValue() != 0) {
          throw new IllegalStateException("Envoy rejected the bootstrap (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
      } finally {
        deleteTree(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run envoy --mode validate", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int adminPort() {
    return admin.port();
  }

  public EnvoyAdmin admin() {
    return admin;
  }

  public Path workDir() {
    return workDir;
  }

  public Path logFile() {
    return logFile;
  }

  /** Waits until the admin port answers at all (Envoy may still be waiting for its first xDS push). */
  public EnvoyProcess waitAdmin(Duration timeout) {
    waitFor("admin port " + adminPort() + " to answer", () -> admin.call("GET", "/server_info").status() > 0,
        timeout);
    return this;
  }

  /** Waits until {@code /ready} answers 200 {@code LIVE}, i.e. the initial xDS fetch is done. */
  public EnvoyProcess waitReady(Duration timeout) {
    AtomicReference<String> lastAnswer = new AtomicReference<>("none");
    waitFor("/ready to answer LIVE", () -> {
      EnvoyAdmin.Response r = admin.call("GET", "/ready");
      lastAnswer.set(r.status() + " " + r.body().trim());
      return r.status() == 200 && r.body().trim().equals("LIVE");
    }, timeout, () -> " (last answer: " + lastAnswer.get() + ")");
    return this;
  }

  /**
   * Polls {@code condition}; fails at once if Envoy exits, and attaches the log tail to every
   * failure so a red test shows why.
   */
  public void waitFor(String what, BooleanSupplier condition, Duration timeout) {
    waitFor(what, condition, timeout, () -> "");
  }

  private void waitFor(String what, BooleanSupplier condition, Duration timeout, Supplier<String> detail) {
    try {
      Waits.until(what, condition, timeout, () -> process.isAlive() ? null
          : "Envoy exited with code " + process.exitValue());
    } catch (IllegalStateException e) {
      IllegalStateException withLog = new IllegalStateException("Envoy pid " + pid() + ": " + e.getMessage()
          + detail.get() + "\n" + logTailBlock(FAILURE_TAIL_LINES), e.getCause());
      for (Throwable s : e.getSuppressed()) {
        withLog.addSuppressed(s);
      }
      throw withLog;
    }
  }

  public String adminGet(String path) {
    return admin.get(path);
  }

  public String adminPost(String path) {
    return admin.post(path);
  }

  /** @throws java.util.NoSuchElementException when the stat does not exist (yet) */
  public long stat(String name) {
    return admin.stat(name);
  }

  public OptionalLong findStat(String name) {
    return admin.findStat(name);
  }

  public Map<String, Long> statsMatching(String regex) {
    return admin.statsMatching(regex);
  }

  public String configDump() {
    return admin.configDump();
  }

  /**
   * The last {@code lines} lines of Envoy's log, for failure messages. The startup listing of
   * compiled-in extensions (a hundred indented lines) is left out so it cannot crowd out errors.
   */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8).stream()
          .filter(l -> !EXTENSION_LISTING.matcher(l).find())
          .toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e.getMessage() + ")";
    }
  }

  private String logTailBlock(int lines) {
    return "--- last " + lines + " lines of " + logFile + " ---\n" + logTail(lines) + "\n--- end of log ---";
  }

  /** Stops Envoy by PID: SIGTERM, up to 5 s grace, then SIGKILL. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        LOG.warn("Envoy pid {} ignored SIGTERM for 5 s, killing it", pid());
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LOG.info("Stopped Envoy pid {} (admin 127.0.0.1:{})", pid(), adminPort());
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or about to; nothing to undo
    }
    if (System.getenv(KEEP_DIRS_ENV) != null) {
      LOG.info("Keeping Envoy work dir {}", workDir);
    } else {
      deleteTree(workDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    return "EnvoyProcess[pid=" + pid() + ", admin=127.0.0.1:" + adminPort() + "]";
  }
}
