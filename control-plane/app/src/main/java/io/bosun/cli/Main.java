package io.bosun.cli;

import io.bosun.monitoring.BuildInfo;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/** The {@code bosun} command (and, through {@link Bosunctl}, {@code bosunctl}): exits with the command's code. */
public final class Main {
  private Main() {
  }

  public static void main(String[] argv) {
    int rc = run(argv);
    // Only a failure exits explicitly: after a clean shutdown the JVM is already exiting.
    if (rc != 0) {
      System.exit(rc);
    }
  }

  /** Runs {@code bosun ARGV...}: 0 done, 1 failed or found errors, 2 a usage error. */
  public static int run(String... argv) {
    return Cli.commandLine(new BosunCommand(), "bosun").execute(argv);
  }

  /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes {@code resource}. */
  static void awaitShutdown(AutoCloseable resource) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("bosun: error while stopping: " + e);
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  static String version() {
    return BuildInfo.version();
  }

  /** For picocli's {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bosun " + version()};
    }
  }
}
