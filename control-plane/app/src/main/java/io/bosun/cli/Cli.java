package io.bosun.cli;

import io.bosun.monitoring.Logs;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What every command line of Bosun shares: friendly errors, typed values, exit codes. */
final class Cli {
  private Cli() {
  }

  static CommandLine commandLine(Object command, String name) {
    CommandLine cli = new CommandLine(command);
    cli.registerConverter(Duration.class, new DurationConverter());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // the last of a repeated option wins, so a wrapper can override what a chart passes
    cli.setOverwrittenOptionsAllowed(true);
    cli.setParameterExceptionHandler((e, args) -> {
      // one line for what is wrong, picocli's "did you mean" when it has one, and where the usage is
      CommandLine line = e.getCommandLine();
      PrintWriter err = line.getErr();
      err.println(name + ": " + e.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
      err.println(hint(line));
      err.flush();
      return CommandLine.ExitCode.USAGE;
    });
    cli.setExecutionExceptionHandler((e, line, parse) -> {
      if (e instanceof CommandFailure) {
        line.getErr().println(name + ": " + e.getMessage());
        return 1;
      }
      if (e instanceof IllegalArgumentException) {
        // a problem with what the user asked for, not a crash
        line.getErr().println(name + ": " + e.getMessage());
        return CommandLine.ExitCode.USAGE;
      }
      line.getErr().println(name + ": " + e);
      return CommandLine.ExitCode.SOFTWARE;
    });
    return cli;
  }

  /** A command that needs a subcommand, run without one: its usage on stderr, exit 2. */
  static int usage(CommandSpec spec) {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CommandLine.ExitCode.USAGE;
  }

  /** Where the usage of {@code line}'s command is: its {@code --help}, else its parent's {@code help}. */
  static String hint(CommandLine line) {
    CommandSpec spec = line.getCommandSpec();
    String help = spec.mixinStandardHelpOptions() || spec.parent() == null ? spec.qualifiedName() + " --help"
        : spec.parent().qualifiedName() + " help " + spec.name();
    return "See '" + help + "' for the usage.";
  }

  /** A port number, 0 (ephemeral) to 65535. */
  static final class Port implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return whole(value, 0, 65535, "a port number");
    }
  }

  /** A port number, or -1 for none. */
  static final class OptionalPort implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return value.equals("-1") ? -1 : whole(value, 0, 65535, "a port number");
    }
  }

  /** A positive whole number. */
  static final class Count implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return whole(value, 1, Integer.MAX_VALUE, "a positive number");
    }
  }

  private static int whole(String value, int min, int max, String what) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new CommandLine.TypeConversionException("\"" + value + "\" is not " + what);
  }

  /** Loggers' levels: {@code io.bosun.push=debug,io.bosun=info}, a bare level for the root logger. */
  static final class LogLevels implements CommandLine.ITypeConverter<Logs.Levels> {
    @Override
    public Logs.Levels convert(String value) {
      try {
        return Logs.parseLevels(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code true} or {@code false}, nothing else. */
  static final class Bool implements CommandLine.ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String value) {
      return switch (value) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new CommandLine.TypeConversionException("\"" + value + "\" is not true or false");
      };
    }
  }

  /** A duration such as {@code 500ms}, {@code 90s}, {@code 30m}, {@code 24h}. */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = FORM.matcher(value);
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        throw new CommandLine.TypeConversionException("\"" + value
            + "\" is not a duration such as 500ms, 90s, 30m or 24h");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }
}
