package io.bosun.inject;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What injection made of a pod: the pod with its proxy, or the pod as it came ({@code injected} false,
 * e.g. it asked for a template Bosun does not offer), and what its author should know (for the
 * AdmissionReview's warnings and {@code kube-inject}'s standard error).
 */
public record Injection(Pod pod, boolean injected, List<String> warnings) {
  public Injection {
    warnings = List.copyOf(warnings);
  }
}
