package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs bosunctl in-process for tests: what it printed, after checking it exited 0. */
final class BosunctlRun {
  private BosunctlRun() {
  }

  static String ok(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Cli.commandLine(new Bosunctl(), "bosunctl");
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int rc = line.execute(args);
    assertThat(rc).as("bosunctl %s: %s", String.join(" ", args), err).isZero();
    return out.toString();
  }
}
