package io.bosun.analyze;

import io.bosun.model.Endpoint;
import io.bosun.model.Kind;
import io.bosun.model.KubeService;
import io.bosun.model.PodInfo;
import io.bosun.model.Service;
import io.bosun.model.ServiceEntry;
import io.bosun.model.ServiceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The workloads behind a service, as far as the input can tell. */
final class Workloads {
  private Workloads() {
  }

  /**
   * The labels of every workload behind {@code service}: the pods its selector picks (a Service's
   * selector, a ServiceEntry's workloadSelector) and the endpoints the registry holds for it. Empty
   * when the input cannot know them all (a pod-selecting service whose namespace's pods are not in
   * the input, or a Service without selector, whose endpoints are managed by hand).
   */
  static Optional<List<Map<String, String>>> behind(AnalysisInput in, Service service) {
    Map<String, String> selector;
    if (service.kubernetes()) {
      selector = in.services().stream().filter(s -> s.ref().equals(service.origin())).findFirst()
          .map(KubeService::selector).orElse(Map.of());
      if (selector.isEmpty()) {
        return Optional.empty();
      }
    } else if (service.origin() != null && service.origin().kind() == Kind.SERVICE_ENTRY) {
      selector = in.serviceEntries().stream().filter(s -> s.ref().equals(service.origin())).findFirst()
          .map(ServiceEntry::workloadSelector).orElse(null);
    } else {
      return Optional.empty();
    }
    if (selector != null && !in.coverage().covers(Kind.POD, service.namespace())) {
      return Optional.empty();
    }
    List<Map<String, String>> labels = new ArrayList<>();
    if (selector != null) {
      labels.addAll(podLabels(in.pods(), service.namespace(), selector));
    }
    for (Endpoint e : in.registry().endpoints(service.hostname())) {
      labels.add(e.labels());
    }
    return Optional.of(labels);
  }

  /** The labels of the pods of {@code namespace} whose labels include {@code selector}. */
  static List<Map<String, String>> podLabels(List<PodInfo> pods, String namespace, Map<String, String> selector) {
    return pods.stream().filter(p -> p.ref().namespace().equals(namespace) && includes(p.labels(), selector))
        .map(PodInfo::labels).toList();
  }

  static boolean includes(Map<String, String> labels, Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }

  /** The namespace of a Kubernetes service host ({@code name.ns.svc.cluster.local}), else empty. */
  static Optional<String> kubeNamespace(String host) {
    String suffix = "." + ServiceRegistry.DOMAIN_SUFFIX;
    if (!host.endsWith(suffix)) {
      return Optional.empty();
    }
    String[] labels = host.substring(0, host.length() - suffix.length()).split("\\.");
    return labels.length == 2 && !labels[0].equals("*") ? Optional.of(labels[1]) : Optional.empty();
  }

  /** {@code k1=v1,k2=v2}, sorted. */
  static String render(Map<String, String> labels) {
    return String.join(",", labels.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue()).toList());
  }
}
