package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.model.MeshConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MeshConfig {@code extensionProviders}: the external authorizers ({@code envoyExtAuthzHttp},
 * {@code envoyExtAuthzGrpc}) that AuthorizationPolicy CUSTOM names, checked as Istio's
 * {@code validateExtensionProvider}. Other provider kinds are reported and skipped.
 */
final class ExtensionProviders {
  private static final String FIELD = "data.mesh.extensionProviders";
  private static final String HTTP = "envoyExtAuthzHttp";
  private static final String GRPC = "envoyExtAuthzGrpc";
  /** The provider kinds of Istio's MeshConfig.ExtensionProvider oneof that Bosun does not serve. */
  private static final Set<String> OTHER_KINDS = Set.of("zipkin", "lightstep", "datadog", "stackdriver",
      "opencensus", "skywalking", "opentelemetry", "prometheus", "envoyFileAccessLog", "envoyHttpAls", "envoyTcpAls",
      "envoyOtelAls", "sds");
  private static final Set<String> HTTP_FIELDS = Set.of("service", "port", "timeout", "failOpen", "pathPrefix",
      "includeRequestHeadersInCheck", "headersToUpstreamOnAllow", "headersToDownstreamOnDeny");
  private static final Set<String> GRPC_FIELDS = Set.of("service", "port", "timeout", "failOpen");
  /** Envoy's {@code type.v3.StatusCode} values: what {@code statusOnError} may be. */
  private static final Set<Integer> ENVOY_STATUS_CODES = Set.of(100, 200, 201, 202, 203, 204, 205, 206, 207, 208,
      226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412,
      413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431, 500, 501, 502, 503, 504, 505, 506, 507, 508,
      510, 511);

  private ExtensionProviders() {
  }

  static List<MeshConfig.ExtAuthz> convert(JsonNode providers, Problems problems) {
    List<MeshConfig.ExtAuthz> out = new ArrayList<>();
    if (providers.isMissingNode() || providers.isNull()) {
      return out;
    }
    if (!providers.isArray()) {
      problems.error(FIELD, "must be a list of extension providers");
      return out;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < providers.size(); i++) {
      JsonNode p = providers.get(i);
      String field = FIELD + "[" + i + "]";
      if (!p.isObject()) {
        problems.error(field, "must be an extension provider object");
        continue;
      }
      String name = p.path("name").asText("");
      if (name.isEmpty()) {
        problems.error(field + ".name", "name is required");
      } else if (!names.add(name)) {
        problems.error(field + ".name", "duplicate extension provider name " + Problems.truncate(name));
      }
      List<String> kinds = new ArrayList<>();
      boolean others = false;
      for (Map.Entry<String, JsonNode> e : p.properties()) {
        String key = e.getKey();
        if (key.equals(HTTP) || key.equals(GRPC) || OTHER_KINDS.contains(key)) {
          kinds.add(key);
        } else if (!key.equals("name")) {
          others = true;
          problems.warning(field + "." + key, "not supported by this Bosun release yet; ignored");
        }
      }
      if (kinds.size() > 1) {
        problems.error(field, "exactly one provider kind is allowed, not " + String.join(", ", kinds));
      } else if (kinds.isEmpty()) {
        if (!others) {
          problems.error(field, "a provider kind is required, e.g. " + HTTP + " or " + GRPC);
        }
      } else if (OTHER_KINDS.contains(kinds.get(0))) {
        problems.warning(field + "." + kinds.get(0), "extension providers of kind " + kinds.get(0)
            + " are not supported by this Bosun release; skipped");
      } else {
        MeshConfig.ExtAuthz a = extAuthz(name, kinds.get(0).equals(GRPC), p.get(kinds.get(0)),
            field + "." + kinds.get(0), problems);
        if (a != null) {
          out.add(a);
        }
      }
    }
    return out;
  }

  private static MeshConfig.ExtAuthz extAuthz(String name, boolean grpc, JsonNode a, String field,
                                              Problems problems) {
    if (!a.isObject()) {
      problems.error(field, "must be an object");
      return null;
    }
    for (Map.Entry<String, JsonNode> e : a.properties()) {
      if (e.getKey().equals("statusOnError")) {
        statusOnError(e.getValue(), field + ".statusOnError", problems);
      }
      if (!(grpc ? GRPC_FIELDS : HTTP_FIELDS).contains(e.getKey())) {
        problems.warning(field + "." + e.getKey(), "not supported by this Bosun release yet; ignored");
      }
    }
    String service = a.path("service").asText("");
    if (service.isEmpty()) {
      problems.error(field + ".service", "service is required");
    } else if (!SecurityChecks.extensionService(service)) {
      problems.error(field + ".service", "must be a host name, an IP address or namespace/hostname, not \""
          + Problems.truncate(service) + "\"");
    }
    JsonNode portNode = a.path("port");
    int port = portNode.isIntegralNumber() && portNode.canConvertToInt() ? portNode.asInt()
        : portNode.isTextual() && portNode.asText().matches("[0-9]{1,5}") ? Integer.parseInt(portNode.asText()) : 0;
    if (port < 1 || port > 65535) {
      problems.error(field + ".port", "port number is required, 1-65535");
    }
    Duration timeout = Durations.check(a.has("timeout") ? a.get("timeout").asText() : null, field + ".timeout",
        problems);
    boolean failOpen = bool(a, "failOpen", field, problems);
    String pathPrefix = a.path("pathPrefix").asText("");
    if (!grpc && !pathPrefix.isEmpty() && (!pathPrefix.startsWith("/") || pathPrefix.matches(".*[\\s?#].*"))) {
      problems.error(field + ".pathPrefix", "must be a path starting with /, not \"" + Problems.truncate(pathPrefix)
          + "\"");
    }
    return new MeshConfig.ExtAuthz(name, grpc, service, port, timeout, failOpen, grpc ? "" : pathPrefix,
        grpc ? List.of() : headers(a, "includeRequestHeadersInCheck", field, problems),
        grpc ? List.of() : headers(a, "headersToUpstreamOnAllow", field, problems),
        grpc ? List.of() : headers(a, "headersToDownstreamOnDeny", field, problems));
  }

  /** Istio's {@code validateExtensionProviderEnvoyExtAuthzStatusOnError}: a status code Envoy knows. */
  private static void statusOnError(JsonNode v, String field, Problems problems) {
    String text = v.asText("");
    if (!text.isEmpty() && (!text.matches("[0-9]{1,3}") || !ENVOY_STATUS_CODES.contains(Integer.parseInt(text)))) {
      problems.error(field, "must be an HTTP status code Envoy supports, not \"" + Problems.truncate(text) + "\"");
    }
  }

  private static boolean bool(JsonNode a, String key, String field, Problems problems) {
    JsonNode v = a.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      problems.error(field + "." + key, "must be true or false");
      return false;
    }
    return v.asBoolean();
  }

  private static List<String> headers(JsonNode a, String key, String field, Problems problems) {
    JsonNode v = a.get(key);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      problems.error(field + "." + key, "must be a list of header names");
      return out;
    }
    for (int i = 0; i < v.size(); i++) {
      String h = v.get(i).asText("");
      if (!v.get(i).isTextual() || h.isEmpty()) {
        problems.error(field + "." + key + "[" + i + "]", "must be a header name");
      } else {
        out.add(h);
      }
    }
    return out;
  }
}
