package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.model.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks of an Istio object as written, which the typed fabric8 model cannot make: it reads an enum
 * value case-insensitively and turns an unknown one into null, and it ignores fields outside
 * {@code spec}. Istio's CRDs declare enums as strings of exact names, and the API server under
 * {@code kubectl apply} (strict field validation, the default) refuses unknown fields of the object
 * and of its {@code metadata}: so does Bosun, naming the field.
 */
final class DocumentChecks {
  private static final Set<String> ROOT = Set.of("apiVersion", "kind", "metadata", "spec", "status");
  /** Kubernetes ObjectMeta. */
  private static final Set<String> METADATA = Set.of("name", "generateName", "namespace", "selfLink", "uid",
      "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
      "labels", "annotations", "ownerReferences", "finalizers", "managedFields");

  private static final List<String> SIMPLE_LB = List.of("UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH",
      "ROUND_ROBIN", "LEAST_REQUEST");
  private static final List<String> H2_UPGRADE = List.of("DEFAULT", "DO_NOT_UPGRADE", "UPGRADE");
  private static final List<String> CLIENT_TLS = List.of("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL");
  private static final List<String> SERVER_TLS = List.of("PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH",
      "ISTIO_MUTUAL", "OPTIONAL_MUTUAL");
  private static final List<String> TLS_VERSION = List.of("TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3");
  private static final List<String> CAPTURE = List.of("DEFAULT", "IPTABLES", "NONE");

  /** Enum fields by kind: a path below {@code spec} ({@code []} walks a list) and the names Istio accepts. */
  private static final Map<Kind, Map<String, List<String>>> ENUMS = Map.of(
      Kind.SERVICE_ENTRY, Map.of(
          "location", List.of("MESH_EXTERNAL", "MESH_INTERNAL"),
          "resolution", List.of("NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS")),
      Kind.VIRTUAL_SERVICE, Map.of(
          "http[].redirect.derivePort", List.of("FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"),
          "http[].corsPolicy.unmatchedPreflights", List.of("UNSPECIFIED", "FORWARD", "IGNORE")),
      Kind.GATEWAY, serverTls("servers[].tls"),
      Kind.SIDECAR, sidecar(),
      Kind.DESTINATION_RULE, destinationRule());

  private DocumentChecks() {
  }

  /** {@code c} with the problems of {@code doc} as written added; an error makes it invalid. */
  static Conversion apply(Conversion c, JsonNode doc) {
    if (c.ref() == null || !c.ref().kind().istio() || doc == null || !doc.isObject()) {
      return c;
    }
    Problems problems = new Problems(c.source(), c.ref());
    unknown(doc, "", ROOT, problems);
    JsonNode metadata = doc.get("metadata");
    if (metadata != null && metadata.isObject()) {
      unknown(metadata, "metadata.", METADATA, problems);
    }
    JsonNode spec = doc.get("spec");
    ENUMS.getOrDefault(c.ref().kind(), Map.of()).entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> walk(spec, "spec", e.getKey().split("\\."), 0, e.getValue(), problems));
    if (problems.all().isEmpty()) {
      return c;
    }
    List<ConfigError> all = new ArrayList<>(c.problems());
    all.addAll(problems.all());
    return new Conversion(c.source(), c.ref(), problems.hasErrors() ? null : c.value(), all);
  }

  private static void unknown(JsonNode node, String prefix, Set<String> known, Problems problems) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        problems.error(prefix + name, "unknown field");
      }
    }
  }

  private static void walk(JsonNode node, String path, String[] segments, int i, List<String> names,
                           Problems problems) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return;
    }
    if (i == segments.length) {
      // the CRDs type these as strings: a number is refused like an unknown name
      SecurityChecks.enumValue(node, false, path, names, problems);
      return;
    }
    String segment = segments[i];
    boolean list = segment.endsWith("[]");
    String name = list ? segment.substring(0, segment.length() - 2) : segment;
    JsonNode child = node.isObject() ? node.get(name) : null;
    if (!list) {
      walk(child, path + "." + name, segments, i + 1, names, problems);
    } else if (child != null && child.isArray()) {
      for (int j = 0; j < child.size(); j++) {
        walk(child.get(j), path + "." + name + "[" + j + "]", segments, i + 1, names, problems);
      }
    }
  }

  private static Map<String, List<String>> serverTls(String prefix) {
    return Map.of(prefix + ".mode", SERVER_TLS, prefix + ".minProtocolVersion", TLS_VERSION,
        prefix + ".maxProtocolVersion", TLS_VERSION);
  }

  private static Map<String, List<String>> sidecar() {
    Map<String, List<String>> m = new HashMap<>(serverTls("ingress[].tls"));
    m.put("outboundTrafficPolicy.mode", List.of("REGISTRY_ONLY", "ALLOW_ANY"));
    m.put("egress[].captureMode", CAPTURE);
    m.put("ingress[].captureMode", CAPTURE);
    m.put("inboundConnectionPool.http.h2UpgradePolicy", H2_UPGRADE);
    m.put("ingress[].connectionPool.http.h2UpgradePolicy", H2_UPGRADE);
    return Map.copyOf(m);
  }

  /** A trafficPolicy sits at the top and in each subset, each with port-level settings. */
  private static Map<String, List<String>> destinationRule() {
    Map<String, List<String>> m = new HashMap<>();
    for (String policy : List.of("trafficPolicy", "subsets[].trafficPolicy")) {
      for (String level : List.of(policy, policy + ".portLevelSettings[]")) {
        m.put(level + ".loadBalancer.simple", SIMPLE_LB);
        m.put(level + ".connectionPool.http.h2UpgradePolicy", H2_UPGRADE);
        m.put(level + ".tls.mode", CLIENT_TLS);
      }
      m.put(policy + ".proxyProtocol.version", List.of("V1", "V2"));
    }
    return Map.copyOf(m);
  }
}
