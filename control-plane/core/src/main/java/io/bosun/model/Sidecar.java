package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * A Sidecar resource: which services and routes the sidecars it applies to import
 * ({@code egress[].hosts}, each {@code namespace/dnsName}), and their outbound traffic policy.
 * Applies to the workloads of its namespace that {@code workloadSelector} selects, or (null) to
 * all of them; in the root namespace, without a selector, to every namespace without its own.
 *
 * {@code ingress}, when given, replaces the inbound ports a workload's Services imply with its own.
 *
 * @param registryOnly null: the mesh's outboundTrafficPolicy; else REGISTRY_ONLY (true) or ALLOW_ANY
 */
public record Sidecar(ResourceRef ref, Map<String, String> workloadSelector, List<Egress> egress,
                      Boolean registryOnly, List<Ingress> ingress) implements MeshResource {
  /** Istio's default root namespace: its selector-less Sidecar is the mesh-wide default. */
  public static final String ROOT_NAMESPACE = "istio-system";

  public Sidecar {
    workloadSelector = workloadSelector == null ? null : Map.copyOf(workloadSelector);
    egress = List.copyOf(egress);
    ingress = ingress == null ? List.of() : List.copyOf(ingress);
  }

  public Sidecar(ResourceRef ref, Map<String, String> workloadSelector, List<Egress> egress, Boolean registryOnly) {
    this(ref, workloadSelector, egress, registryOnly, List.of());
  }

  /**
   * One ingress listener: traffic for {@code port} on the workload's IP goes to {@code endpoint}:
   * {@code 127.0.0.1:PORT} or {@code [::1]:PORT} (loopback), {@code 0.0.0.0:PORT} or
   * {@code [::]:PORT} (the workload's IP), {@code unix://path}, or "" (the same port on the
   * workload's IP).
   */
  public record Ingress(int port, boolean http, String endpoint) {
    public Ingress {
      endpoint = endpoint == null ? "" : endpoint;
    }
  }

  /** One egress listener's imports: {@code namespace/dnsName} host patterns. */
  public record Egress(int port, List<String> hosts) {
    public Egress {
      hosts = List.copyOf(hosts);
    }
  }

  public boolean selects(Map<String, String> labels) {
    return workloadSelector == null || labels.entrySet().containsAll(workloadSelector.entrySet());
  }

  /**
   * Whether a host of {@code hostNamespace} (a Service's or a VirtualService's namespace) is
   * imported for a sidecar of {@code workloadNamespace}: some egress host's namespace part is
   * {@code *}, {@code .} (the workload's namespace) or that namespace ({@code ~} imports none), and
   * its name part matches.
   */
  public boolean imports(String hostNamespace, String host, String workloadNamespace) {
    for (Egress e : egress) {
      for (String h : e.hosts()) {
        int slash = h.indexOf('/');
        String ns = h.substring(0, slash);
        String name = h.substring(slash + 1);
        boolean nsMatches = ns.equals("*") || ns.equals(".") && hostNamespace.equals(workloadNamespace)
            || ns.equals(hostNamespace);
        if (nsMatches && Hosts.matches(name, host)) {
          return true;
        }
      }
    }
    return false;
  }
}
