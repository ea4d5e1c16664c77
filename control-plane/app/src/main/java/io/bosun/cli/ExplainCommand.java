package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bosun.explain.ExplainRequest;
import io.bosun.explain.Explainer;
import io.bosun.explain.Explanation;
import io.bosun.explain.ExplanationText;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.resources.XdsResources;
import io.bosun.translate.EnvoyTypes;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code explain}: where one request goes through one proxy, from the config Bosun serves it. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Explain where a request goes: the listener, filter chain, virtual host, route, cluster"
            + " and endpoints, and why each earlier route did not match.",
        "Follows Envoy's matching rules over the exact config Bosun serves the proxy (its /debug/config_dump),"
            + " read from Bosun's monitoring port through the API server's port-forward, or --bosun-address.",
        "For a sidecar the URL is what the app calls (http://reviews:9080/...); for a gateway, what a client"
            + " sends to the gateway's port."},
    footer = {"", "Examples:",
        "  bosunctl explain productpage-v1-6b7f.default http://reviews:9080/reviews/0",
        "  bosunctl explain productpage-v1-6b7f -n default http://reviews:9080/ -H 'end-user: jason'",
        "  bosunctl explain istio-ingressgateway-5d8f.istio-system http://bookinfo.example.com/productpage",
        "  bosunctl explain --proxy 'router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local' \\",
        "      http://127.0.0.1:8080/api -X POST --bosun-address 127.0.0.1:15014 -o json"})
final class ExplainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(EnvoyTypes.REGISTRY);

  /** How to show the explanation. */
  enum Output { TEXT, JSON, YAML }

  @Spec
  private CommandSpec spec;

  @Parameters(arity = "1..2", paramLabel = "[POD[.NAMESPACE]] URL",
      description = "The proxy's pod (left out with --proxy) and the request's URL.")
  List<String> args;

  @Option(names = "--proxy", paramLabel = "NODE_ID", description = "The proxy's node id, instead of its pod.")
  String proxy;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NAMESPACE",
      description = "The pod's namespace when POD has none. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(names = {"-X", "--request"}, defaultValue = "GET", paramLabel = "METHOD",
      description = "The request's method. Default: ${DEFAULT-VALUE}.")
  String method;

  @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "A request header (repeatable).")
  List<String> headers = new ArrayList<>();

  @Option(names = "--address", paramLabel = "IP",
      description = "The destination IP the client connects to, when the URL's host is a name.")
  String address;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text, json or yaml. Default: ${DEFAULT-VALUE}.")
  Output output;

  @Mixin
  BosunOptions bosun = new BosunOptions();

  @Override
  public Integer call() throws IOException {
    if (proxy == null && args.size() != 2 || proxy != null && args.size() != 1) {
      throw new IllegalArgumentException(proxy == null ? "give the proxy's pod and the URL, or --proxy NODE_ID URL"
          : "with --proxy, give only the URL");
    }
    String url = args.get(args.size() - 1);
    ExplainRequest request = ExplainRequest.parse(url, method, headers, address);
    String wanted = proxy != null ? proxy : args.get(0).contains(".") ? args.get(0) : args.get(0) + "." + namespace;
    Served served = fetch(wanted);
    Explanation e = Explainer.explain(served.nodeId(), served.config(), request);
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case JSON -> out.print(JSON.writeValueAsString(e) + "\n");
      case YAML -> out.print(YAML.writeValueAsString(e));
      default -> out.print(ExplanationText.render(e));
    }
    out.flush();
    return 0;
  }

  /** The proxy's node id and the config Bosun serves it. */
  record Served(String nodeId, XdsResources config) {
  }

  private Served fetch(String wanted) {
    return bosun.first((t, what) -> find(t, what, wanted)).orElseThrow(notConnected(wanted));
  }

  private static Supplier<CommandFailure> notConnected(String wanted) {
    return () -> new CommandFailure("no proxy " + wanted + " is connected to Bosun (see bosunctl proxy-status)");
  }

  private static Optional<Served> find(KubeAccess.Tunnel t, String what, String wanted) {
    JsonNode report = read(KubeAccess.get(t.base(), MonitoringServer.PROXY_STATUS_PATH, what), what);
    String nodeId = null;
    for (JsonNode p : report.path("proxies")) {
      String id = p.path("nodeId").asText();
      if (id.equals(wanted) || ProxyStatusCommand.name(id).equals(wanted)) {
        nodeId = id;
        break;
      }
    }
    if (nodeId == null) {
      return Optional.empty();
    }
    String path = "/debug/config_dump?proxyID=" + URLEncoder.encode(nodeId, StandardCharsets.UTF_8);
    JsonNode dump = read(KubeAccess.get(t.base(), path, what), what);
    if (dump.has("error")) {
      throw new CommandFailure(what + ": " + dump.path("error").asText());
    }
    return Optional.of(new Served(nodeId, config(dump)));
  }

  /** {@code /debug/config_dump?proxyID=}'s JSON back into the resources it printed. */
  static XdsResources config(JsonNode dump) {
    return new XdsResources(parse(dump.path("clusters"), Cluster::newBuilder),
        parse(dump.path("endpoints"), ClusterLoadAssignment::newBuilder),
        parse(dump.path("listeners"), Listener::newBuilder),
        parse(dump.path("routes"), RouteConfiguration::newBuilder));
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> List<T> parse(JsonNode items, Supplier<? extends Message.Builder> builder) {
    List<T> out = new ArrayList<>();
    for (JsonNode item : items) {
      Message.Builder b = builder.get();
      try {
        PARSER.merge(item.toString(), b);
      } catch (InvalidProtocolBufferException e) {
        throw new CommandFailure("Bosun's config dump holds a resource this bosunctl cannot read: "
            + e.getMessage(), e);
      }
      out.add((T) b.build());
    }
    return out;
  }

  private static JsonNode read(String body, String what) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new CommandFailure(what + " answered with something other than JSON", e);
    }
  }
}
