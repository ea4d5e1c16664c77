package io.bosun.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pod's {@code proxy.istio.io/config}: Istio's ProxyConfig (YAML or JSON) for this one proxy. The
 * fields a plain Envoy started by Bosun can honour are read; the others ProxyConfig has are named in
 * a warning and ignored; a field ProxyConfig does not have, or a bad value, is an error (Istio refuses
 * such a pod too).
 *
 * @param concurrency            Envoy's worker threads ({@code 0}: one per core); null when unset
 * @param drainSeconds           {@code drainDuration}, whole seconds rounded up; null when unset
 * @param terminationDrainSeconds {@code terminationDrainDuration}; null when unset
 * @param holdApplication        {@code holdApplicationUntilProxyStarts}
 * @param metadata               {@code proxyMetadata}: environment of the proxy, sorted
 * @param statusPort             {@code statusPort}; null when unset
 * @param interceptionMode       {@code interceptionMode}; null when unset
 */
record ProxyConfigAnnotation(Integer concurrency, Integer drainSeconds, Integer terminationDrainSeconds,
                             boolean holdApplication, Map<String, String> metadata, Integer statusPort,
                             String interceptionMode, List<String> warnings) {
  static final String NAME = "proxy.istio.io/config";
  static final ProxyConfigAnnotation NONE = new ProxyConfigAnnotation(null, null, null, false, Map.of(), null, null,
      List.of());
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(?:\\.([0-9]{1,9}))?s");
  /** ProxyConfig's other fields (istio.mesh.v1alpha1): valid, but nothing Bosun's sidecar does. */
  private static final Set<String> IGNORED = Set.of("configPath", "binaryPath", "serviceCluster",
      "tracingServiceName", "parentShutdownDuration", "discoveryAddress", "discoveryRefreshDelay", "zipkinAddress",
      "connectTimeout", "statsdUdpAddress", "envoyMetricsServiceAddress", "proxyAdminPort", "availabilityZone",
      "controlPlaneAuthPolicy", "customConfigFile", "statNameLength", "proxyBootstrapTemplatePath", "tracing", "sds",
      "envoyAccessLogService", "envoyMetricsService", "runtimeValues", "extraStatTags", "gatewayTopology", "meshId",
      "readinessProbe", "proxyStatsMatcher", "caCertificatesPem", "image", "privateKeyProvider", "proxyHeaders",
      "fileFlushInterval", "fileFlushMinSizeKb", "statsCompression", "connectionSettings");

  ProxyConfigAnnotation {
    metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
    warnings = List.copyOf(warnings);
  }

  /** The annotation's value read; throws {@link IllegalArgumentException} naming the field at fault. */
  static ProxyConfigAnnotation parse(String value) {
    if (value == null || value.isBlank()) {
      return NONE;
    }
    JsonNode n;
    try {
      n = YAML.readTree(value);
    } catch (IOException e) {
      throw error("", "not valid YAML: " + firstLine(e.getMessage()));
    }
    if (n == null || n.isNull() || n.isMissingNode()) {
      return NONE;
    }
    if (!n.isObject()) {
      throw error("", "must be a ProxyConfig mapping");
    }
    Integer concurrency = null;
    Integer drain = null;
    Integer terminationDrain = null;
    boolean hold = false;
    Map<String, String> metadata = new TreeMap<>();
    Integer statusPort = null;
    String mode = null;
    List<String> ignored = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      String field = camel(e.getKey());
      JsonNode v = e.getValue();
      switch (field) {
        case "concurrency" -> concurrency = integer(field, v, 0, 1024);
        case "drainDuration" -> drain = seconds(field, v);
        case "terminationDrainDuration" -> terminationDrain = seconds(field, v);
        case "holdApplicationUntilProxyStarts" -> hold = bool(field, v);
        case "statusPort" -> statusPort = integer(field, v, 1, 65535);
        case "interceptionMode" -> mode = interceptionMode(text(field, v), "metadata.annotations[" + NAME + "]."
            + field);
        case "proxyMetadata" -> {
          if (!v.isObject()) {
            throw error(field, "must be a mapping of names to values");
          }
          for (Map.Entry<String, JsonNode> m : v.properties()) {
            if (!m.getValue().isValueNode() || m.getValue().isNull()) {
              throw error(field + "." + m.getKey(), "must be a string");
            }
            metadata.put(m.getKey(), m.getValue().asText());
          }
        }
        default -> {
          if (!IGNORED.contains(field)) {
            throw error(field, "unknown ProxyConfig field");
          }
          ignored.add(field);
        }
      }
    }
    List<String> warnings = ignored.isEmpty() ? List.of() : List.of(NAME + ": " + String.join(", ", ignored)
        + (ignored.size() == 1 ? " is" : " are") + " not supported by Bosun's proxy and ignored");
    return new ProxyConfigAnnotation(concurrency, drain, terminationDrain, hold, metadata, statusPort, mode, warnings);
  }

  /** REDIRECT, TPROXY or NONE, as Istio accepts them; {@code path} names the field for the error. */
  static String interceptionMode(String value, String path) {
    if (!value.equals("REDIRECT") && !value.equals("TPROXY") && !value.equals("NONE")) {
      throw new IllegalArgumentException(path + ": \"" + value + "\" is not REDIRECT, TPROXY or NONE");
    }
    return value;
  }

  /** Protobuf's JSON names accept snake_case too. */
  private static String camel(String key) {
    StringBuilder sb = new StringBuilder();
    boolean up = false;
    for (char c : key.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private static int integer(String field, JsonNode v, int min, int max) {
    String s = v.asText();
    if (!(v.isIntegralNumber() && v.canConvertToInt() || v.isTextual() && s.matches("-?[0-9]{1,9}"))) {
      throw error(field, "must be an integer");
    }
    int i = v.isIntegralNumber() ? v.intValue() : Integer.parseInt(s);
    if (i < min || i > max) {
      throw error(field, i + " is out of range " + min + ".." + max);
    }
    return i;
  }

  /** A protobuf Duration ({@code "45s"}, {@code "1.5s"}) in whole seconds, rounded up; at least 1. */
  private static int seconds(String field, JsonNode v) {
    Matcher m = DURATION.matcher(text(field, v));
    if (!m.matches()) {
      throw error(field, "\"" + v.asText() + "\" is not a duration such as \"45s\" or \"1.5s\"");
    }
    long s = Long.parseLong(m.group(1));
    boolean fraction = m.group(2) != null && !m.group(2).matches("0+");
    long whole = s + (fraction ? 1 : 0);
    if (whole < 1) {
      throw error(field, "must be positive");
    }
    return (int) Math.min(whole, Integer.MAX_VALUE);
  }

  private static boolean bool(String field, JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual() && v.asText().matches("true|false")) {
      return Boolean.parseBoolean(v.asText());
    }
    throw error(field, "must be true or false");
  }

  private static String text(String field, JsonNode v) {
    if (!v.isValueNode() || v.isNull()) {
      throw error(field, "must be a string");
    }
    return v.asText();
  }

  private static IllegalArgumentException error(String field, String problem) {
    return new IllegalArgumentException("metadata.annotations[" + NAME + "]" + (field.isEmpty() ? "" : "." + field)
        + ": " + problem);
  }

  private static String firstLine(String s) {
    String line = s == null ? "" : s.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
