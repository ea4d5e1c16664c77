package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** bosunctl run in-process for tests, its output and error streams captured. */
record BosunctlRun(int exitCode, String out, String err) {

  static BosunctlRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Cli.commandLine(new Bosunctl(), "bosunctl");
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int rc = line.execute(args);
    return new BosunctlRun(rc, out.toString(), err.toString());
  }

  /** Runs bosunctl; returns its output, asserting it exits 0. */
  static String ok(String... args) {
    BosunctlRun run = of(args);
    assertThat(run.exitCode()).as("bosunctl %s: %s", String.join(" ", args), run.err()).isZero();
    return run.out();
  }
}
