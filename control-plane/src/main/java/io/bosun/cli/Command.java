package io.bosun.cli;

import java.util.List;

/**
 * A command another module adds to {@code bosun} / {@code bosunctl} (found with ServiceLoader),
 * e.g. {@code kube-inject} from the injector.
 */
public interface Command {
  /** The word that selects it, e.g. {@code kube-inject}. */
  String name();

  /** One usage paragraph for the help text. */
  String usage();

  /** Runs it; the exit code. Throw {@link IllegalArgumentException} for a usage error. */
  int run(List<String> args) throws Exception;
}
