package io.bosun.cli;

import io.bosun.monitoring.Logs;
import io.bosun.monitoring.MonitoringServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code admin}: Bosun's own settings at run time, as {@code istioctl admin} changes istiod's. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Change Bosun's settings at run time.",
    subcommands = {AdminCommand.Log.class, HelpCommand.class})
final class AdminCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    return Cli.usage(spec);
  }

  /** {@code admin log}: list Bosun's loggers' levels, or set some, on every replica. */
  @Command(name = "log", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"List the log levels of every Bosun replica, or set some with --level.",
          "Reads and changes /debug/logging on each ready Bosun pod's monitoring port through the API server's"
              + " port-forward, or --bosun-address directly (changes are accepted from loopback only)."
              + " A change lasts until the replica restarts; to keep one, use the chart's logging.level."},
      footer = {"", "Examples:", "  bosunctl admin log", "  bosunctl admin log --level io.bosun.push=debug",
          "  bosunctl admin log --level io.bosun.push=inherit,io.bosun=info --bosun-address 127.0.0.1:15014"})
  static final class Log implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    BosunOptions bosun;

    @Option(names = "--level", paramLabel = "LOGGER=LEVEL,...",
        description = "Set levels: trace, debug, info, warn, error, off, or inherit (the parent's level again);"
            + " a bare level is the root logger's.")
    String level;

    @Override
    public Integer call() {
      Map<String, String> changes = changes(level);
      TextTable table = new TextTable("BOSUN", "LOGGER", "LEVEL");
      bosun.each((tunnel, what) -> {
        for (Map.Entry<String, String> c : changes.entrySet()) {
          KubeAccess.send(tunnel.base(), "PUT", MonitoringServer.LOGGING_PATH + "?logger=" + encode(c.getKey())
              + "&level=" + encode(c.getValue()), what);
        }
        String replica = KubeAccess.getJson(tunnel.base(), MonitoringServer.VERSION_PATH, what)
            .path("replica").asText(what);
        KubeAccess.getJson(tunnel.base(), MonitoringServer.LOGGING_PATH, what).path("loggers").properties()
            .forEach(e -> table.row(replica, e.getKey(), e.getValue().asText()));
        return replica;
      });
      spec.commandLine().getOut().print(table);
      spec.commandLine().getOut().flush();
      return 0;
    }

    /** {@code --level}'s changes by logger, as level names; checked here so a typo reaches no replica. */
    static Map<String, String> changes(String spec) {
      Map<String, String> out = new LinkedHashMap<>();
      Logs.parseLevels(spec).byLogger().forEach((logger, l) -> out.put(logger,
          l == null ? Logs.INHERIT : l.toString().toLowerCase(Locale.ROOT)));
      return out;
    }

    private static String encode(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
  }
}
