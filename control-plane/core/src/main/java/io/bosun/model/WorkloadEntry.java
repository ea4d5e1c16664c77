package io.bosun.model;

import java.util.Map;

/**
 * A WorkloadEntry: a workload outside Kubernetes (a VM, a bare-metal host), which becomes an
 * endpoint of the ServiceEntries (workloadSelector) and Kubernetes Services (selector) of its
 * namespace that select its labels.
 *
 * @param ports   port per service port name; a service port absent here uses its targetPort
 * @param healthy false when its status condition {@code Healthy} says so (Istio's health
 *                reporting); such an entry gets no traffic
 */
public record WorkloadEntry(ResourceRef ref, String address, Map<String, Integer> ports, Map<String, String> labels,
                            String network, String locality, int weight, String serviceAccount, boolean healthy)
    implements MeshResource {
  /** The service account of a workload that names none. */
  public static final String DEFAULT_SERVICE_ACCOUNT = "default";

  public WorkloadEntry {
    address = address == null ? "" : address;
    ports = ports == null ? Map.of() : Map.copyOf(ports);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    network = network == null ? "" : network;
    locality = locality == null ? "" : locality;
    serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? DEFAULT_SERVICE_ACCOUNT : serviceAccount;
  }

  public boolean selectedBy(Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }

  /** This workload as an endpoint; Istio's locality is {@code region/zone/subzone}. */
  public Endpoint endpoint() {
    return new Endpoint(address, ports, labels, healthy, locality, weight, "", serviceAccount);
  }
}
