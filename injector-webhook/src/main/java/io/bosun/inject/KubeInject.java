package io.bosun.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code bosunctl kube-inject}: the webhook's injection applied to manifests offline. Pods and the
 * pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs,
 * CronJobs and OpenShift DeploymentConfigs are injected (unless they opt out); everything else passes
 * through unchanged; lists are walked. What the webhook would return as warnings goes to the warning
 * handler, prefixed with the object it concerns.
 */
public final class KubeInject {
  private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
      "ReplicationController", "DeploymentConfig");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final Injector injector;
  private final Consumer<String> warnings;

  public KubeInject(Injector injector) {
    this(injector, w -> { });
  }

  public KubeInject(Injector injector, Consumer<String> warnings) {
    this.injector = injector;
    this.warnings = warnings;
  }

  /** The injected manifests, as YAML documents separated by {@code ---}. */
  public String run(String yaml) throws IOException {
    List<String> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(YAML.writeValueAsString(injectDoc(doc)));
        }
      }
    }
    return String.join("---\n", docs);
  }

  JsonNode injectDoc(JsonNode doc) {
    if (!doc.isObject()) {
      return doc;
    }
    ObjectNode o = (ObjectNode) doc.deepCopy();
    String kind = o.path("kind").asText("");
    if (kind.endsWith("List") && o.get("items") instanceof ArrayNode items) {
      ArrayNode injected = o.putArray("items");
      items.forEach(i -> injected.add(injectDoc(i)));
      return o;
    }
    String name = kind + " " + o.path("metadata").path("namespace").asText("default") + "/"
        + o.path("metadata").path("name").asText("");
    if (kind.equals("Pod")) {
      return podNode(o, o.path("metadata").path("namespace").asText("default"), false, name);
    }
    JsonNode spec = o.path("spec");
    if (kind.equals("CronJob")) {
      spec = spec.path("jobTemplate").path("spec");
    } else if (!WORKLOADS.contains(kind)) {
      return o;
    }
    if (spec.get("template") instanceof ObjectNode template && spec instanceof ObjectNode parent) {
      parent.set("template", podNode(template, o.path("metadata").path("namespace").asText("default"), true,
          name));
    }
    return o;
  }

  /** Injects one pod (or pod template: no apiVersion/kind), keeping the shape it came in. */
  private JsonNode podNode(ObjectNode node, String namespace, boolean template, String name) {
    ObjectNode podJson = node.deepCopy();
    if (template) {
      podJson.put("apiVersion", "v1").put("kind", "Pod");
    }
    Pod pod = SERIALIZATION.convertValue(podJson, Pod.class);
    // offline there is no namespace label to consult: inject unless the pod opts out, as istioctl does
    InjectionPolicy.Decision d = InjectionPolicy.decide(pod, namespace, Map.of(InjectionPolicy.NAMESPACE_LABEL,
        "enabled"));
    if (!d.inject()) {
      return node;
    }
    Injection injection = injector.apply(pod);
    injection.warnings().forEach(w -> warnings.accept(name + ": " + w));
    if (!injection.injected()) {
      return node;
    }
    ObjectNode out = SERIALIZATION.convertValue(injection.pod(), ObjectNode.class);
    if (template) {
      out.remove("apiVersion");
      out.remove("kind");
      out.remove("status");
    }
    return out;
  }
}
