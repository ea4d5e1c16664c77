package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.StreamSupport;

/**
 * {@code proxy-config}'s tables, Istio-shaped, from an Envoy's admin JSON ({@code /config_dump},
 * {@code /clusters?format=json}): pure functions, so tests can feed them a real Envoy's output.
 */
final class ConfigDumpTables {
  /** Fields that hold key material; never printed, in any format. */
  private static final Set<String> SECRET_FIELDS = Set.of("private_key", "private_key_provider", "password",
      "session_ticket_keys", "hmac_secret");

  private ConfigDumpTables() {
  }

  /** The config dump's section whose {@code @type} ends with {@code type}, e.g. "ClustersConfigDump". */
  static JsonNode section(JsonNode dump, String type) {
    for (JsonNode c : dump.path("configs")) {
      if (c.path("@type").asText().endsWith("." + type)) {
        return c;
      }
    }
    return MissingNode.getInstance();
  }

  /** Every cluster (static and dynamic active), as Envoy holds it. */
  static List<JsonNode> clusters(JsonNode dump) {
    JsonNode s = section(dump, "ClustersConfigDump");
    List<JsonNode> out = new ArrayList<>();
    s.path("static_clusters").forEach(c -> out.add(c.path("cluster")));
    s.path("dynamic_active_clusters").forEach(c -> out.add(c.path("cluster")));
    return out;
  }

  static List<JsonNode> listeners(JsonNode dump) {
    JsonNode s = section(dump, "ListenersConfigDump");
    List<JsonNode> out = new ArrayList<>();
    s.path("static_listeners").forEach(l -> out.add(l.path("listener")));
    s.path("dynamic_listeners").forEach(l -> {
      if (l.path("active_state").has("listener")) {
        out.add(l.path("active_state").path("listener"));
      }
    });
    return out;
  }

  static List<JsonNode> routeConfigs(JsonNode dump) {
    JsonNode s = section(dump, "RoutesConfigDump");
    List<JsonNode> out = new ArrayList<>();
    s.path("static_route_configs").forEach(r -> out.add(r.path("route_config")));
    s.path("dynamic_route_configs").forEach(r -> out.add(r.path("route_config")));
    return out;
  }

  static TextTable clusterTable(JsonNode dump) {
    TextTable t = new TextTable("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE");
    for (JsonNode c : clusters(dump)) {
      String name = c.path("name").asText();
      String[] parts = name.split("\\|", -1);
      boolean istio = parts.length == 4 && (parts[0].equals("outbound") || parts[0].equals("inbound"));
      String type = c.has("cluster_type") ? c.path("cluster_type").path("name").asText()
          : c.path("type").asText("STATIC");
      // an inbound cluster names no host (inbound|9080||): "-", so the columns stay apart
      String fqdn = !istio ? name : parts[3].isEmpty() ? "-" : parts[3];
      t.row(fqdn, istio ? parts[1] : "-", istio && !parts[2].isEmpty() ? parts[2] : "-",
          istio ? parts[0] : "-", type, istioConfig(c, "destination-rule"));
    }
    return t;
  }

  static TextTable listenerTable(JsonNode dump) {
    TextTable t = new TextTable("ADDRESSES", "PORT", "MATCH", "DESTINATION");
    for (JsonNode l : listeners(dump)) {
      JsonNode socket = l.path("address").path("socket_address");
      List<String> addresses = new ArrayList<>();
      addresses.add(socket.path("address").asText("-"));
      l.path("additional_addresses").forEach(a ->
          addresses.add(a.path("address").path("socket_address").path("address").asText()));
      String port = socket.has("port_value") ? socket.path("port_value").asText() : "-";
      List<JsonNode> chains = new ArrayList<>();
      l.path("filter_chains").forEach(chains::add);
      if (l.has("default_filter_chain")) {
        chains.add(l.path("default_filter_chain"));
      }
      if (chains.isEmpty()) {
        t.row(String.join(",", addresses), port, "ALL", "-");
      }
      for (JsonNode chain : chains) {
        t.row(String.join(",", addresses), port, match(chain.path("filter_chain_match")), destination(chain));
      }
    }
    return t;
  }

  private static String match(JsonNode m) {
    List<String> parts = new ArrayList<>();
    if (m.has("destination_port")) {
      parts.add("Port: " + m.path("destination_port").asText());
    }
    if (m.has("prefix_ranges")) {
      parts.add("Addr: " + join(m.path("prefix_ranges"), r -> r.path("address_prefix").asText()
          + "/" + r.path("prefix_len").asInt()));
    }
    if (m.has("server_names")) {
      parts.add("SNI: " + join(m.path("server_names"), JsonNode::asText));
    }
    if (m.has("transport_protocol")) {
      parts.add("Trans: " + m.path("transport_protocol").asText());
    }
    if (m.has("application_protocols")) {
      parts.add("App: " + join(m.path("application_protocols"), JsonNode::asText));
    }
    return parts.isEmpty() ? "ALL" : String.join("; ", parts);
  }

  private static String destination(JsonNode chain) {
    for (JsonNode f : chain.path("filters")) {
      JsonNode config = f.path("typed_config");
      String type = config.path("@type").asText();
      if (type.endsWith(".HttpConnectionManager")) {
        return config.has("rds") ? "Route: " + config.path("rds").path("route_config_name").asText()
            : "Inline Route: " + config.path("route_config").path("name").asText();
      }
      if (type.endsWith(".TcpProxy")) {
        return config.has("cluster") ? "Cluster: " + config.path("cluster").asText()
            : "Clusters: " + join(config.path("weighted_clusters").path("clusters"), c -> c.path("name").asText());
      }
    }
    return "Non-HTTP/Non-TCP";
  }

  static TextTable routeTable(JsonNode dump) {
    TextTable t = new TextTable("NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE");
    for (JsonNode rc : routeConfigs(dump)) {
      // a route config inline in a bootstrap listener has no name: "-", so the columns stay apart
      String name = rc.path("name").asText().isEmpty() ? "-" : rc.path("name").asText();
      for (JsonNode vh : rc.path("virtual_hosts")) {
        String domains = join(vh.path("domains"), JsonNode::asText);
        if (vh.path("routes").isEmpty()) {
          t.row(name, vh.path("name").asText(), domains, "-", "");
        }
        for (JsonNode r : vh.path("routes")) {
          String vs = istioConfig(r, "virtual-service");
          if (vs.isEmpty() && r.path("direct_response").path("status").asInt() == 404) {
            vs = "404";
          }
          t.row(name, vh.path("name").asText(), domains, routeMatch(r.path("match")), vs);
        }
      }
    }
    return t;
  }

  private static String routeMatch(JsonNode m) {
    if (m.has("path")) {
      return m.path("path").asText();
    }
    if (m.has("prefix")) {
      return m.path("prefix").asText() + "*";
    }
    if (m.has("path_separated_prefix")) {
      return m.path("path_separated_prefix").asText() + "/*";
    }
    if (m.has("safe_regex")) {
      return "regex " + m.path("safe_regex").path("regex").asText();
    }
    return "-";
  }

  /** Endpoints from {@code /clusters?format=json}. */
  static TextTable endpointTable(JsonNode clusters) {
    TextTable t = new TextTable("ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER");
    for (JsonNode c : clusters.path("cluster_statuses")) {
      for (JsonNode h : c.path("host_statuses")) {
        JsonNode a = h.path("address");
        String endpoint = a.has("socket_address")
            ? a.path("socket_address").path("address").asText() + ":" + a.path("socket_address").path("port_value")
            .asText()
            : a.has("pipe") ? "unix://" + a.path("pipe").path("path").asText() : a.toString();
        JsonNode health = h.path("health_status");
        String status = health.path("eds_health_status").asText("HEALTHY");
        if (health.path("failed_active_health_check").asBoolean()) {
          status = "UNHEALTHY";
        }
        t.row(endpoint, status, health.path("failed_outlier_check").asBoolean() ? "FAILED" : "OK",
            c.path("name").asText());
      }
    }
    return t;
  }

  static TextTable secretTable(JsonNode dump, Instant now) {
    TextTable t = new TextTable("RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER",
        "NOT BEFORE");
    JsonNode s = section(dump, "SecretsConfigDump");
    s.path("static_secrets").forEach(x -> secretRow(t, x, "ACTIVE", now));
    s.path("dynamic_active_secrets").forEach(x -> secretRow(t, x, "ACTIVE", now));
    s.path("dynamic_warming_secrets").forEach(x -> secretRow(t, x, "WARMING", now));
    return t;
  }

  private static void secretRow(TextTable t, JsonNode entry, String status, Instant now) {
    JsonNode secret = entry.path("secret");
    String name = entry.path("name").asText(secret.path("name").asText());
    String type;
    JsonNode pem;
    if (secret.has("tls_certificate")) {
      type = "Cert Chain";
      pem = secret.path("tls_certificate").path("certificate_chain");
    } else if (secret.has("validation_context")) {
      type = "CA";
      pem = secret.path("validation_context").path("trusted_ca");
    } else {
      t.row(name, secret.has("generic_secret") ? "Generic" : "-", status, "false", "-", "-", "-");
      return;
    }
    X509Certificate cert = certificate(pem);
    if (cert == null) {
      t.row(name, type, status, "false", "-", "-", "-");
      return;
    }
    Instant notAfter = cert.getNotAfter().toInstant();
    Instant notBefore = cert.getNotBefore().toInstant();
    boolean valid = !now.isBefore(notBefore) && now.isBefore(notAfter);
    t.row(name, type, status, Boolean.toString(valid), cert.getSerialNumber().toString(16), notAfter.toString(),
        notBefore.toString());
  }

  /** The first certificate of a DataSource ({@code inline_bytes} is base64 in JSON); null when there is none. */
  static X509Certificate certificate(JsonNode source) {
    byte[] bytes;
    if (source.has("inline_bytes")) {
      bytes = Base64.getDecoder().decode(source.path("inline_bytes").asText());
    } else if (source.has("inline_string")) {
      bytes = source.path("inline_string").asText().getBytes(StandardCharsets.UTF_8);
    } else {
      return null;
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(bytes));
    } catch (CertificateException | ClassCastException e) {
      return null;
    }
  }

  /** Removes key material (private keys, passwords, ticket keys) anywhere under {@code node}, in place. */
  static JsonNode stripSecrets(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
        if (SECRET_FIELDS.contains(names.next())) {
          names.remove();
        }
      }
      object.forEach(ConfigDumpTables::stripSecrets);
    } else if (node.isArray()) {
      node.forEach(ConfigDumpTables::stripSecrets);
    }
    return node;
  }

  /** {@code name.namespace} of the Istio config that made a resource (its istio metadata), else "". */
  private static String istioConfig(JsonNode resource, String kind) {
    String path = resource.path("metadata").path("filter_metadata").path("istio").path("config").asText("");
    String[] p = path.split("/");
    // /apis/networking.istio.io/v1alpha3/namespaces/NS/KIND/NAME
    if (p.length == 8 && p[6].equals(kind)) {
      return p[7] + "." + p[5];
    }
    return "";
  }

  private static String join(JsonNode array, Function<JsonNode, String> f) {
    return String.join(",", StreamSupport.stream(array.spliterator(), false).map(f).toList());
  }
}
