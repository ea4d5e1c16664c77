package io.bosun.inject;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The proxy's resources, as Istio's injection template sets them: the configured defaults, unless the
 * pod names any of {@code sidecar.istio.io/proxyCPU}, {@code proxyMemory}, {@code proxyCPULimit},
 * {@code proxyMemoryLimit}; then exactly what it names and nothing else (so {@code proxyCPU: 4000m}
 * alone gets no CPU limit, not a 2000m default limit below its request). After the pod's own
 * {@code istio-proxy} is merged in, a request is never left above its limit: a default limit below the
 * request is dropped, a default request above an explicit limit is lowered to it, and a request above a
 * limit both set on purpose is refused with both named.
 */
final class ProxyResources {
  static final String CPU = "sidecar.istio.io/proxyCPU";
  static final String MEMORY = "sidecar.istio.io/proxyMemory";
  static final String CPU_LIMIT = "sidecar.istio.io/proxyCPULimit";
  static final String MEMORY_LIMIT = "sidecar.istio.io/proxyMemoryLimit";
  /** Kubernetes' quantity syntax, bounded so that no value costs much to compare. */
  private static final Pattern QUANTITY = Pattern.compile(
      "\\+?([0-9]{1,18}(\\.[0-9]{0,9})?|\\.[0-9]{1,9})(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]{1,2})?");

  private ProxyResources() {
  }

  /** What the template asks for, before the pod's own container is merged. */
  static ResourceRequirements requested(Map<String, String> annotations, InjectionConfig config) {
    ResourceRequirementsBuilder b = new ResourceRequirementsBuilder();
    if (List.of(CPU, MEMORY, CPU_LIMIT, MEMORY_LIMIT).stream().noneMatch(annotations::containsKey)) {
      return b.addToRequests("cpu", new Quantity(config.cpuRequest()))
          .addToRequests("memory", new Quantity(config.memoryRequest()))
          .addToLimits("cpu", new Quantity(config.cpuLimit()))
          .addToLimits("memory", new Quantity(config.memoryLimit()))
          .build();
    }
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    put(requests, "cpu", annotations, CPU);
    put(requests, "memory", annotations, MEMORY);
    put(limits, "cpu", annotations, CPU_LIMIT);
    put(limits, "memory", annotations, MEMORY_LIMIT);
    for (String[] r : new String[][] {{"cpu", CPU, CPU_LIMIT}, {"memory", MEMORY, MEMORY_LIMIT}}) {
      if (requests.containsKey(r[0]) && limits.containsKey(r[0])
          && amount(requests.get(r[0])).compareTo(amount(limits.get(r[0]))) > 0) {
        throw new IllegalArgumentException("metadata.annotations: " + r[1] + " " + annotations.get(r[1])
            + " is above " + r[2] + " " + annotations.get(r[2]) + "; the API server refuses a request above its limit");
      }
    }
    if (!requests.isEmpty()) {
      b.withRequests(requests);
    }
    if (!limits.isEmpty()) {
      b.withLimits(limits);
    }
    return b.build();
  }

  /**
   * Leaves no request of {@code proxy} (already merged with the pod's {@code own} container, may be
   * null) above its limit; throws when both were set on purpose.
   */
  static void settle(Container proxy, Container own, Map<String, String> annotations) {
    ResourceRequirements r = proxy.getResources();
    if (r == null || r.getRequests() == null || r.getLimits() == null) {
      return;
    }
    ResourceRequirements mine = own == null ? null : own.getResources();
    r.setRequests(new LinkedHashMap<>(r.getRequests()));
    r.setLimits(new LinkedHashMap<>(r.getLimits()));
    for (String[] res : new String[][] {{"cpu", CPU, CPU_LIMIT}, {"memory", MEMORY, MEMORY_LIMIT}}) {
      Quantity request = r.getRequests().get(res[0]);
      Quantity limit = r.getLimits().get(res[0]);
      if (request == null || limit == null || !bounded(request) || !bounded(limit)
          || amount(request).compareTo(amount(limit)) <= 0) {
        // (a quantity outside the syntax is the API server's to refuse)
        continue;
      }
      boolean explicitLimit = annotations.containsKey(res[2]) || mine != null && mine.getLimits() != null
          && mine.getLimits().containsKey(res[0]);
      boolean explicitRequest = annotations.containsKey(res[1]) || mine != null && mine.getRequests() != null
          && mine.getRequests().containsKey(res[0]);
      if (!explicitLimit) {
        r.getLimits().remove(res[0]);
      } else if (!explicitRequest) {
        r.getRequests().put(res[0], limit);
      } else {
        throw new IllegalArgumentException("spec.containers[istio-proxy].resources: the " + res[0] + " request "
            + request + " is above its limit " + limit + "; the API server refuses such a pod");
      }
    }
  }

  private static void put(Map<String, Quantity> into, String resource, Map<String, String> annotations,
                          String name) {
    String value = annotations.get(name);
    if (value == null) {
      return;
    }
    Quantity q = quantity(value.trim());
    if (q == null) {
      throw new IllegalArgumentException("metadata.annotations[" + name + "]: \"" + value
          + "\" is not a Kubernetes quantity such as 500m or 1Gi");
    }
    into.put(resource, q);
  }

  private static Quantity quantity(String value) {
    if (!QUANTITY.matcher(value).matches()) {
      return null;
    }
    try {
      Quantity q = new Quantity(value);
      amount(q);
      return q;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean bounded(Quantity q) {
    return QUANTITY.matcher(q.getAmount() + (q.getFormat() == null ? "" : q.getFormat())).matches();
  }

  private static BigDecimal amount(Quantity q) {
    return q.getNumericalAmount();
  }
}
