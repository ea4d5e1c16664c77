package io.bosun.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.cli.Bosunctl;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** bosunctl run in-process for tests, its output and error streams captured. */
public record BosunctlRun(int exitCode, String out, String err) {

  public static BosunctlRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Bosunctl.commandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int rc = line.execute(args);
    return new BosunctlRun(rc, out.toString(), err.toString());
  }

  /** Runs bosunctl; returns its output, asserting it exits 0. */
  public static String ok(String... args) {
    BosunctlRun run = of(args);
    assertThat(run.exitCode()).as("bosunctl %s: %s", String.join(" ", args), run.err()).isZero();
    return run.out();
  }
}
