package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code proxy-config}: what one Envoy actually holds, read from its admin port. */
@Command(name = "proxy-config", aliases = "pc", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Show the config an Envoy holds, as its admin port reports it (/config_dump, /clusters).",
        "Reaches the pod's Envoy admin port (15000) through the API server's port-forward, or --admin-address"
            + " directly. Private keys are never printed, in any output format."},
    footer = {"", "Examples:", "  bosunctl proxy-config cluster productpage-v1-6b7f.default",
        "  bosunctl proxy-config listener productpage-v1-6b7f -n default",
        "  bosunctl proxy-config route productpage-v1-6b7f.default -o json",
        "  bosunctl proxy-config endpoint productpage-v1-6b7f.default",
        "  bosunctl proxy-config secret productpage-v1-6b7f.default -o yaml",
        "  bosunctl proxy-config bootstrap my-envoy --admin-address 127.0.0.1:15000"})
final class ProxyConfigCommand implements Callable<Integer> {
  static final int ADMIN_PORT = 15000;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** What to show. */
  enum Type { CLUSTER, LISTENER, ROUTE, ENDPOINT, SECRET, BOOTSTRAP }

  /** How to show it. */
  enum Output { SHORT, JSON, YAML }

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TYPE",
      description = "One of: cluster, listener, route, endpoint, secret, bootstrap.")
  Type type;

  @Parameters(index = "1", paramLabel = "POD[.NAMESPACE]", description = "The proxy's pod.")
  String pod;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NAMESPACE",
      description = "The pod's namespace when POD has none. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(names = {"-o", "--output"}, defaultValue = "short", paramLabel = "FORMAT",
      description = "short (a table), json or yaml. Default: ${DEFAULT-VALUE}.")
  Output output;

  @Mixin
  KubeOptions kube = new KubeOptions();

  @Option(names = "--admin-address", paramLabel = "HOST:PORT",
      description = "The Envoy admin address, reached directly instead of through a port-forward.")
  String adminAddress;

  @Override
  public Integer call() throws IOException {
    String what = adminAddress != null ? "the Envoy admin" : "the Envoy admin of pod " + podName() + "." + podNs();
    JsonNode data;
    if (adminAddress != null) {
      try (KubeAccess.Tunnel t = KubeAccess.direct(adminAddress)) {
        data = read(t, what);
      }
    } else {
      try (KubernetesClient client = kube.client();
           KubeAccess.Tunnel t = KubeAccess.forward(client, podNs(), podName(), ADMIN_PORT)) {
        data = read(t, what);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(render(type, output, data, Instant.now()));
    out.flush();
    return 0;
  }

  private JsonNode read(KubeAccess.Tunnel t, String what) {
    String path = type == Type.ENDPOINT ? "/clusters?format=json" : "/config_dump";
    String body = KubeAccess.get(t.base(), path, what);
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new CommandFailure(what + " answered " + path + " with something other than JSON", e);
    }
  }

  /** {@code data} ({@code /config_dump}, or {@code /clusters?format=json} for endpoints) as asked. */
  static String render(Type type, Output output, JsonNode data, Instant now) throws IOException {
    ConfigDumpTables.stripSecrets(data);
    if (output == Output.SHORT && type != Type.BOOTSTRAP) {
      TextTable table = switch (type) {
        case CLUSTER -> ConfigDumpTables.clusterTable(data);
        case LISTENER -> ConfigDumpTables.listenerTable(data);
        case ROUTE -> ConfigDumpTables.routeTable(data);
        case ENDPOINT -> ConfigDumpTables.endpointTable(data);
        default -> ConfigDumpTables.secretTable(data, now);
      };
      return table.toString();
    }
    JsonNode selected = switch (type) {
      case CLUSTER -> array(ConfigDumpTables.clusters(data));
      case LISTENER -> array(ConfigDumpTables.listeners(data));
      case ROUTE -> array(ConfigDumpTables.routeConfigs(data));
      case ENDPOINT -> data;
      case SECRET -> ConfigDumpTables.section(data, "SecretsConfigDump");
      case BOOTSTRAP -> ConfigDumpTables.section(data, "BootstrapConfigDump");
    };
    return output == Output.YAML ? YAML.writeValueAsString(selected) : JSON.writeValueAsString(selected) + "\n";
  }

  private static JsonNode array(List<JsonNode> items) {
    ArrayNode a = JSON.createArrayNode();
    items.forEach(a::add);
    return a;
  }

  private String podName() {
    int dot = pod.indexOf('.');
    return dot < 0 ? pod : pod.substring(0, dot);
  }

  private String podNs() {
    int dot = pod.indexOf('.');
    return dot < 0 ? namespace : pod.substring(dot + 1);
  }
}
