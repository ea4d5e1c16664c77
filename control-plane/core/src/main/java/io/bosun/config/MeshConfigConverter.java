package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.model.Ignored;
import io.bosun.model.MeshConfig;
import io.bosun.model.ResourceRef;
import io.bosun.model.RouteActions;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code mesh} key of the {@code istio} ConfigMap (Istio's MeshConfig, as YAML) to
 * {@link MeshConfig}. The same object configures standalone mode (a ConfigMap document in the
 * config directory) and Kubernetes mode (the ConfigMap in Bosun's namespace).
 */
public final class MeshConfigConverter {
  /** Istio's name for the mesh ConfigMap; users' habits and tooling expect it. */
  public static final String CONFIGMAP_NAME = "istio";
  public static final String KEY = "mesh";
  private static final Set<String> HANDLED = Set.of("outboundTrafficPolicy", "defaultHttpRetryPolicy",
      "accessLogFile", "accessLogEncoding", "accessLogFormat", "enableTracing", "defaultConfig", "connectTimeout",
      "trustDomain", "enableAutoMtls", "extensionProviders");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private MeshConfigConverter() {
  }

  static Conversion convert(ResourceRef ref, String source, JsonNode configMap) {
    Problems problems = new Problems(source, ref);
    if (!ref.name().equals(CONFIGMAP_NAME)) {
      problems.warning("metadata.name", "ignored: Bosun reads only the ConfigMap named \"" + CONFIGMAP_NAME
          + "\" (key \"" + KEY + "\")");
      return new Conversion(source, ref, new Ignored(ref), problems.all());
    }
    JsonNode text = configMap.path("data").path(KEY);
    if (text.isMissingNode() || text.isNull()) {
      return Conversion.of(ref, MeshConfig.DEFAULT, problems);
    }
    JsonNode mesh;
    try {
      mesh = YAML.readTree(text.asText());
    } catch (IOException e) {
      problems.error("data.mesh", "not valid YAML: " + firstLine(e.getMessage()));
      return Conversion.of(ref, null, problems);
    }
    if (mesh == null || mesh.isNull() || mesh.isMissingNode()) {
      return Conversion.of(ref, MeshConfig.DEFAULT, problems);
    }
    if (!mesh.isObject()) {
      problems.error("data.mesh", "must be a MeshConfig object");
      return Conversion.of(ref, null, problems);
    }
    return Conversion.of(ref, mesh(mesh, problems), problems);
  }

  private static MeshConfig mesh(JsonNode m, Problems problems) {
    MeshConfig d = MeshConfig.DEFAULT;
    for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!HANDLED.contains(f)) {
        problems.warning("data.mesh." + f, "not supported by this Bosun release yet; ignored");
      }
    }
    boolean registryOnly = d.registryOnly();
    JsonNode mode = m.path("outboundTrafficPolicy").path("mode");
    if (!mode.isMissingNode()) {
      switch (mode.asText()) {
        case "ALLOW_ANY" -> registryOnly = false;
        case "REGISTRY_ONLY" -> registryOnly = true;
        default -> problems.error("data.mesh.outboundTrafficPolicy.mode",
            "must be ALLOW_ANY or REGISTRY_ONLY, not \"" + mode.asText() + "\"");
      }
    }
    RouteActions.Retry retry = retry(m.path("defaultHttpRetryPolicy"), problems);
    String accessLogFile = text(m, "accessLogFile", "");
    String encoding = text(m, "accessLogEncoding", "TEXT");
    if (!encoding.equals("TEXT") && !encoding.equals("JSON")) {
      problems.error("data.mesh.accessLogEncoding", "must be TEXT or JSON, not \"" + encoding + "\"");
    }
    boolean enableTracing = !m.has("enableTracing") || m.get("enableTracing").asBoolean(true);
    JsonNode tracing = m.path("defaultConfig").path("tracing");
    warnOthers(m.path("defaultConfig"), "data.mesh.defaultConfig", Set.of("tracing"), problems);
    warnOthers(tracing, "data.mesh.defaultConfig.tracing", Set.of("zipkin", "sampling"), problems);
    String zipkin = tracing.path("zipkin").path("address").asText("");
    if (!zipkin.isEmpty() && !zipkin.matches("[A-Za-z0-9.-]+:[0-9]{1,5}")) {
      problems.error("data.mesh.defaultConfig.tracing.zipkin.address",
          "must be host:port, e.g. zipkin.istio-system:9411, not \"" + zipkin + "\"");
    }
    double sampling = tracing.path("sampling").asDouble(d.samplingPercent());
    if (sampling < 0 || sampling > 100) {
      problems.error("data.mesh.defaultConfig.tracing.sampling", "must be a percentage between 0 and 100");
    }
    Duration connectTimeout = Durations.check(m.path("connectTimeout").isMissingNode() ? null
        : m.get("connectTimeout").asText(), "data.mesh.connectTimeout", problems);
    String trustDomain = text(m, "trustDomain", d.trustDomain());
    // a DNS-like name: it becomes the host part of every workload's SPIFFE id
    if (!trustDomain.matches("[a-z0-9]([a-z0-9.-]{0,253}[a-z0-9])?")) {
      problems.error("data.mesh.trustDomain",
          "must be a lower-case DNS-like name (letters, digits, '.', '-'), e.g. cluster.local, not \""
              + Problems.truncate(trustDomain) + "\"");
    }
    boolean autoMtls = d.enableAutoMtls();
    JsonNode auto = m.get("enableAutoMtls");
    if (auto != null && !auto.isNull()) {
      if (auto.isBoolean()) {
        autoMtls = auto.asBoolean();
      } else {
        problems.error("data.mesh.enableAutoMtls", "must be true or false");
      }
    }
    List<MeshConfig.ExtAuthz> providers = ExtensionProviders.convert(m.path("extensionProviders"), problems);
    return new MeshConfig(registryOnly, retry, accessLogFile, encoding.equals("JSON"), text(m, "accessLogFormat", ""),
        enableTracing, zipkin, sampling, connectTimeout, trustDomain, autoMtls, providers);
  }

  private static RouteActions.Retry retry(JsonNode r, Problems problems) {
    if (r.isMissingNode() || r.isNull()) {
      return null;
    }
    String field = "data.mesh.defaultHttpRetryPolicy";
    warnOthers(r, field, Set.of("attempts", "perTryTimeout", "retryOn"), problems);
    int attempts = r.path("attempts").asInt(0);
    if (attempts < 0) {
      problems.error(field + ".attempts", "must not be negative");
    }
    Duration perTry = Durations.check(r.has("perTryTimeout") ? r.get("perTryTimeout").asText() : null,
        field + ".perTryTimeout", problems);
    return new RouteActions.Retry(attempts, perTry, r.path("retryOn").asText(""));
  }

  private static void warnOthers(JsonNode node, String path, Set<String> handled, Problems problems) {
    if (!node.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!handled.contains(e.getKey())) {
        problems.warning(path + "." + e.getKey(), "not supported by this Bosun release yet; ignored");
      }
    }
  }

  private static String text(JsonNode m, String field, String fallback) {
    JsonNode v = m.get(field);
    return v == null || v.isNull() ? fallback : v.asText();
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return s == null ? "" : nl < 0 ? s : s.substring(0, nl);
  }
}
