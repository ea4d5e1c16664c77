package io.bosun.inject;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Whether a pod gets a sidecar, in Istio's order of rules. */
public final class InjectionPolicy {
  public static final String INJECT_LABEL = "sidecar.istio.io/inject";
  public static final String NAMESPACE_LABEL = "istio-injection";
  public static final String STATUS_ANNOTATION = "sidecar.istio.io/status";
  public static final String PROXY_NAME = "istio-proxy";
  public static final String INIT_NAME = "istio-init";
  private static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease");

  private InjectionPolicy() {
  }

  /** The verdict and why, for logs and for kube-inject's comments. */
  public record Decision(boolean inject, String reason) {
  }

  public static Decision decide(Pod pod, String namespace, Map<String, String> namespaceLabels) {
    var spec = pod.getSpec();
    if (spec == null) {
      return new Decision(false, "the pod has no spec");
    }
    if (Boolean.TRUE.equals(spec.getHostNetwork())) {
      return new Decision(false, "hostNetwork pods are never injected");
    }
    if (SYSTEM_NAMESPACES.contains(namespace)) {
      return new Decision(false, "namespace " + namespace + " is never injected");
    }
    Map<String, String> annotations = pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null
        ? Map.of() : pod.getMetadata().getAnnotations();
    if (annotations.containsKey(STATUS_ANNOTATION)) {
      // a second sidecar would fight the first for the proxy's ports and crash-loop. A pod's own
      // istio-proxy container without this annotation is a customisation, merged (as Istio does)
      return new Decision(false, "already injected");
    }
    String nsLabel = namespaceLabels.getOrDefault(NAMESPACE_LABEL, "");
    if (nsLabel.equals("disabled")) {
      return new Decision(false, "namespace label " + NAMESPACE_LABEL + "=disabled");
    }
    Map<String, String> labels = pod.getMetadata() == null || pod.getMetadata().getLabels() == null
        ? Map.of() : pod.getMetadata().getLabels();
    // the label wins; the older annotation of the same name is still honoured
    String podSays = labels.getOrDefault(INJECT_LABEL, annotations.getOrDefault(INJECT_LABEL, ""));
    if (podSays.equalsIgnoreCase("false")) {
      return new Decision(false, "pod label " + INJECT_LABEL + "=false");
    }
    if (podSays.equalsIgnoreCase("true")) {
      return new Decision(true, "pod label " + INJECT_LABEL + "=true");
    }
    if (nsLabel.equals("enabled")) {
      return new Decision(true, "namespace label " + NAMESPACE_LABEL + "=enabled");
    }
    return new Decision(false, "neither the namespace nor the pod asks for injection");
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
