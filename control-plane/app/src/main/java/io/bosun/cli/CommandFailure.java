package io.bosun.cli;

/** A failure to tell the user in one sentence (exit code 1), not a crash: a pod not found, a port refused. */
final class CommandFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CommandFailure(String message) {
    super(message);
  }

  CommandFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
