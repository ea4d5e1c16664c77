package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.monitoring.MonitoringServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** bosunctl's {@code version}: its own version and, as {@code istioctl version} shows them, Bosun's replicas'. */
@Command(name = "version", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Print bosunctl's version, each reachable Bosun replica's and how many proxies are connected.",
        "Reads each ready Bosun pod's monitoring port (15014, /version and /debug/proxy-status) through the API"
            + " server's port-forward, or --bosun-address directly. When Bosun cannot be reached, prints the client"
            + " version and a warning on standard error, and still exits 0."},
    footer = {"", "Examples:", "  bosunctl version", "  bosunctl version --remote=false",
        "  bosunctl version --bosun-address 127.0.0.1:15014 -o json"})
final class MeshVersionCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  enum Output { TEXT, JSON, YAML }

  /** One Bosun replica: its name, version, and connected proxies (null when they could not be counted). */
  record Replica(String name, String version, Integer proxies) {
  }

  /**
   * What the command prints, as text, JSON or YAML.
   *
   * @param dataPlaneProxies the proxies connected to every replica; null when no replica could count them
   */
  record Report(String clientVersion, List<Replica> controlPlane, Integer dataPlaneProxies) {
    static Report of(String clientVersion, List<Replica> controlPlane) {
      List<Integer> counted = controlPlane.stream().map(Replica::proxies).filter(p -> p != null).toList();
      return new Report(clientVersion, List.copyOf(controlPlane),
          counted.isEmpty() ? null : counted.stream().mapToInt(Integer::intValue).sum());
    }
  }

  @Spec
  private CommandSpec spec;

  @Mixin
  BosunOptions bosun;

  @Mixin
  Colours colours;

  @Option(names = "--remote", defaultValue = "true", arity = "1", converter = Cli.Bool.class,
      paramLabel = "true|false", description = "Also ask Bosun for its version. Default: ${DEFAULT-VALUE}.")
  boolean remote;

  @Option(names = "--short", description = "Print the client's version number alone.")
  boolean shortForm;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text, json or yaml. Default: ${DEFAULT-VALUE}.")
  Output output;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (shortForm) {
      out.println(Main.version());
      out.flush();
      return 0;
    }
    List<String> warnings = new ArrayList<>();
    List<Replica> replicas = new ArrayList<>();
    if (remote) {
      try {
        bosun.each((tunnel, what) -> replica(tunnel, what, warnings)).stream().filter(Objects::nonNull)
            .forEach(replicas::add);
      } catch (CommandFailure e) {
        warnings.add(e.getMessage());
      }
      if (replicas.isEmpty() && !warnings.isEmpty()) {
        warnings.set(warnings.size() - 1, warnings.get(warnings.size() - 1) + "; showing the client version only");
      }
    }
    Report report = Report.of(Main.version(), replicas);
    switch (output) {
      case JSON -> out.print(JSON.writeValueAsString(report) + "\n");
      case YAML -> out.print(YAML.writeValueAsString(report));
      default -> out.print(text(report, remote));
    }
    out.flush();
    Ansi ansi = colours.ansi();
    for (String w : warnings) {
      spec.commandLine().getErr().println(Colours.line(ansi, "Warning: " + w));
    }
    spec.commandLine().getErr().flush();
    return 0;
  }

  /**
   * The replica behind {@code tunnel}: /version, and the proxies of /debug/proxy-status when it
   * answers; {@code null} (and a warning) when /version does not, so the other replicas still show.
   */
  private static Replica replica(KubeAccess.Tunnel tunnel, String what, List<String> warnings) {
    JsonNode version;
    try {
      version = KubeAccess.getJson(tunnel.base(), MonitoringServer.VERSION_PATH, what);
    } catch (CommandFailure e) {
      warnings.add(e.getMessage());
      return null;
    }
    Integer proxies = null;
    try {
      proxies = ProxyStatusCommand.read(tunnel, what).path("proxies").size();
    } catch (CommandFailure e) {
      warnings.add("cannot count the proxies connected to " + what + ": " + e.getMessage());
    }
    return new Replica(version.path("replica").asText(what), version.path("version").asText("unknown"), proxies);
  }

  /** istioctl's lines: {@code client version: X}, a {@code control plane version} per replica, the proxies. */
  static String text(Report report, boolean remote) {
    StringBuilder s = new StringBuilder("client version: ").append(report.clientVersion()).append('\n');
    for (Replica r : report.controlPlane()) {
      s.append("control plane version: ").append(r.version()).append(" (").append(r.name()).append(")\n");
    }
    if (remote && report.controlPlane().isEmpty()) {
      s.append("control plane version: unknown (not reached)\n");
    }
    Integer proxies = report.dataPlaneProxies();
    if (proxies != null) {
      s.append("data plane: ").append(proxies).append(proxies == 1 ? " proxy" : " proxies").append(" connected\n");
    }
    return s.toString();
  }
}
