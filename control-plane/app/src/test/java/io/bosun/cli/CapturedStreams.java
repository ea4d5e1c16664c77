package io.bosun.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** System.out and System.err caught while commands run (a command line writes to them). */
final class CapturedStreams {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  void start() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  void stop() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  /** What was written to System.out since the last call. */
  String takeOut() {
    String text = out.toString(StandardCharsets.UTF_8);
    out.reset();
    return text;
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
