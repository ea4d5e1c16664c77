package io.bosun.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the injector adds and how, from one place: the {@code config} key of the ConfigMap
 * {@code bosun-sidecar-injector} (Helm values feed it), else these defaults. Nothing a user may
 * need to change is hard-coded elsewhere.
 *
 * @param proxyImage        the plain upstream Envoy image for the sidecar
 * @param initImage         the Bosun image; its {@code bosun intercept} installs the interception rules
 * @param discoveryAddress  {@code host:port} of Bosun's xDS service as pods reach it
 * @param nativeSidecar     {@code auto} (native when the API server is 1.29+), {@code true} or {@code false}
 * @param xdsAuth           {@code token}: TLS to {@code discoveryAddress} (15012), verified with the mesh
 *                          roots, presenting the pod's projected service-account token; {@code none}:
 *                          plaintext, anonymous (no Secrets, no workload certificate; trusted networks)
 * @param tokenAudience     the audience of the projected token (Bosun's {@code --token-audiences})
 */
public record InjectionConfig(String proxyImage, String initImage, String imagePullPolicy, String discoveryAddress,
                              int proxyUid, String cpuRequest, String memoryRequest, String cpuLimit,
                              String memoryLimit, String nativeSidecar, String clusterDomain, int drainSeconds,
                              String logLevel, String xdsAuth, String tokenAudience) {
  public static final String CONFIGMAP = "bosun-sidecar-injector";
  public static final String KEY = "config";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Istio's defaults where Istio has one (uid 1337, 100m/128Mi requests, 2/1Gi limits). */
  public static InjectionConfig defaults() {
    return new InjectionConfig("envoyproxy/envoy:v1.36.4", "ghcr.io/bosun-mesh/bosun:0.1.0", "IfNotPresent",
        "bosun.istio-system.svc:15012", 1337, "100m", "128Mi", "2000m", "1024Mi", "auto", "cluster.local", 5,
        "warning", "token", "istio-ca");
  }

  /** Reads the YAML of the ConfigMap's {@code config} key over the defaults; unknown keys are an error. */
  public static InjectionConfig parse(String yaml) {
    InjectionConfig d = defaults();
    if (yaml == null || yaml.isBlank()) {
      return d;
    }
    JsonNode n;
    try {
      n = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("injection config is not valid YAML: " + e.getMessage());
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("injection config must be a YAML mapping");
    }
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      v.put(e.getKey(), e.getValue().asText());
    }
    InjectionConfig c = new InjectionConfig(take(v, "proxyImage", d.proxyImage()), take(v, "initImage", d.initImage()),
        take(v, "imagePullPolicy", d.imagePullPolicy()), take(v, "discoveryAddress", d.discoveryAddress()),
        Integer.parseInt(take(v, "proxyUid", Integer.toString(d.proxyUid()))),
        take(v, "cpuRequest", d.cpuRequest()), take(v, "memoryRequest", d.memoryRequest()),
        take(v, "cpuLimit", d.cpuLimit()), take(v, "memoryLimit", d.memoryLimit()),
        take(v, "nativeSidecar", d.nativeSidecar()), take(v, "clusterDomain", d.clusterDomain()),
        Integer.parseInt(take(v, "drainSeconds", Integer.toString(d.drainSeconds()))),
        take(v, "logLevel", d.logLevel()), take(v, "xdsAuth", d.xdsAuth()),
        take(v, "tokenAudience", d.tokenAudience()));
    if (!v.isEmpty()) {
      throw new IllegalArgumentException("injection config: unknown keys " + v.keySet());
    }
    if (!c.discoveryAddress().matches("[A-Za-z0-9.-]+:[0-9]{1,5}")) {
      throw new IllegalArgumentException("injection config: discoveryAddress must be host:port");
    }
    if (!c.xdsAuth().matches("token|none")) {
      throw new IllegalArgumentException("injection config: xdsAuth must be token or none");
    }
    if (!c.nativeSidecar().matches("auto|true|false")) {
      throw new IllegalArgumentException("injection config: nativeSidecar must be auto, true or false");
    }
    return c;
  }

  private static String take(Map<String, String> v, String key, String fallback) {
    String s = v.remove(key);
    return s == null || s.isEmpty() ? fallback : s;
  }
}
