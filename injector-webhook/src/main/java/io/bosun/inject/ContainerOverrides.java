package io.bosun.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;

/**
 * A pod's own {@code istio-proxy} or {@code istio-init} container customises the injected one, as
 * in Istio: its fields win, objects (resources, securityContext, probes) merge field by field, and
 * lists of named things merge by their key (env by name, volumeMounts by mountPath, ports by
 * containerPort); other lists (args, command) are replaced. {@code image: auto} keeps the injected
 * image (Istio's gateway chart relies on it).
 */
final class ContainerOverrides {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Map<String, String> KEYED = Map.of("env", "name", "volumeMounts", "mountPath",
      "ports", "containerPort", "envFrom", "prefix");

  private ContainerOverrides() {
  }

  static Container merge(Container injected, Container user) {
    ObjectNode base = SERIALIZATION.convertValue(injected, ObjectNode.class);
    ObjectNode over = SERIALIZATION.convertValue(user, ObjectNode.class);
    if ("auto".equals(over.path("image").asText())) {
      over.remove("image");
    }
    mergeObject(base, over);
    return SERIALIZATION.convertValue(base, Container.class);
  }

  private static void mergeObject(ObjectNode base, ObjectNode over) {
    for (Map.Entry<String, JsonNode> e : over.properties()) {
      JsonNode mine = base.get(e.getKey());
      JsonNode theirs = e.getValue();
      if (theirs == null || theirs.isNull()) {
        continue;
      }
      if (mine instanceof ObjectNode m && theirs instanceof ObjectNode t) {
        mergeObject(m, t);
      } else if (mine instanceof ArrayNode m && theirs instanceof ArrayNode t && KEYED.containsKey(e.getKey())) {
        mergeByKey(m, t, KEYED.get(e.getKey()));
      } else {
        base.set(e.getKey(), theirs.deepCopy());
      }
    }
  }

  private static void mergeByKey(ArrayNode base, ArrayNode over, String key) {
    for (JsonNode item : over) {
      boolean replaced = false;
      for (int i = 0; i < base.size(); i++) {
        if (base.get(i).path(key).equals(item.path(key)) && !item.path(key).isMissingNode()) {
          if (base.get(i) instanceof ObjectNode b && item instanceof ObjectNode o) {
            mergeObject(b, o);
          } else {
            base.set(i, item.deepCopy());
          }
          replaced = true;
          break;
        }
      }
      if (!replaced) {
        base.add(item.deepCopy());
      }
    }
  }
}
