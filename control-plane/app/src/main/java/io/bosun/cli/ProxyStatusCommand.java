package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.monitoring.MonitoringServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code proxy-status}: which proxies are connected and whether each took the config Bosun sent. */
@Command(name = "proxy-status", aliases = "ps", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Show every connected proxy's xDS sync state, per type, as Bosun sees it.",
        "SYNCED: the proxy ACKed the latest version Bosun sent. STALE: a later version was sent and not"
            + " answered yet. NOT SENT: nothing of the type was sent. ERROR: the proxy NACKed the last response.",
        "Reads each ready Bosun pod's monitoring port (15014, /debug/proxy-status) through the API server's"
            + " port-forward, or --bosun-address directly (the debug pages answer loopback only unless Bosun"
            + " runs with --expose-debug true)."},
    footer = {"", "Examples:", "  bosunctl proxy-status", "  bosunctl proxy-status productpage-v1-6b7f.default",
        "  bosunctl proxy-status --kubeconfig ~/.kube/east --context east",
        "  bosunctl proxy-status --bosun-address 127.0.0.1:15014"})
final class ProxyStatusCommand implements Callable<Integer> {
  private static final List<String> TYPES = List.of("CDS", "LDS", "EDS", "RDS", "SDS");

  @Spec
  private CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "POD[.NAMESPACE]",
      description = "Only this proxy (its pod, or its whole node id).")
  String pod;

  @Mixin
  BosunOptions bosun = new BosunOptions();

  @Mixin
  Colours colours;

  @Override
  public Integer call() {
    List<JsonNode> reports = bosun.each(ProxyStatusCommand::read);
    TextTable table = table(reports, pod);
    if (pod != null && table.size() == 0) {
      throw new CommandFailure("no proxy " + pod + " is connected to Bosun");
    }
    Ansi ansi = colours.ansi();
    spec.commandLine().getOut().print(table.render(cell -> Colours.state(ansi, cell)));
    spec.commandLine().getOut().flush();
    return 0;
  }

  static JsonNode read(KubeAccess.Tunnel tunnel, String what) {
    return KubeAccess.getJson(tunnel.base(), MonitoringServer.PROXY_STATUS_PATH, what);
  }

  /** The istioctl-shaped table of Bosun replicas' reports ({@code ProxyStatusReport} as JSON). */
  static TextTable table(List<JsonNode> reports, String only) {
    TextTable table = new TextTable("NAME", "CLUSTER", "CDS", "LDS", "EDS", "RDS", "SDS", "BOSUN", "VERSION");
    for (JsonNode report : reports) {
      for (JsonNode proxy : report.path("proxies")) {
        String nodeId = proxy.path("nodeId").asText();
        String name = name(nodeId);
        if (only != null && !only.equals(name) && !only.equals(nodeId) && !name.startsWith(only + ".")) {
          continue;
        }
        List<String> row = new ArrayList<>();
        row.add(name);
        row.add("Kubernetes");
        for (String type : TYPES) {
          row.add(state(proxy, type));
        }
        row.add(report.path("bosun").asText());
        // the proxy's own release, as istioctl shows it
        row.add(proxy.path("proxyVersion").asText("").isEmpty() ? "unknown" : proxy.path("proxyVersion").asText());
        table.row(row.toArray(String[]::new));
      }
    }
    return table;
  }

  /** A sidecar's or gateway's {@code pod.namespace} from its node id ({@code sidecar~IP~POD.NS~NS.svc...}). */
  static String name(String nodeId) {
    String[] parts = nodeId.split("~", -1);
    return parts.length == 4 && !parts[2].isEmpty() ? parts[2] : nodeId;
  }

  private static String state(JsonNode proxy, String type) {
    for (JsonNode t : proxy.path("types")) {
      if (type.equals(t.path("type").asText())) {
        return t.path("state").asText("NOT_SENT").replace('_', ' ');
      }
    }
    return "NOT SENT";
  }
}
