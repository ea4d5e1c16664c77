package io.bosun.model;

import java.util.Map;

/**
 * A WorkloadGroup: the template of the WorkloadEntries of a fleet of VMs (labels, ports, service
 * account, network), and how their health is checked. {@code labels} are the entries' labels: the
 * template's, with the group metadata's over them. {@code bosunctl workload entry configure}
 * turns one into what a VM's proxy needs.
 *
 * @param probe the readiness probe, described ({@code httpGet :8080/ready}); empty for none
 */
public record WorkloadGroup(ResourceRef ref, Map<String, String> labels, Map<String, String> annotations,
                            Map<String, Integer> ports, String network, String locality, int weight,
                            String serviceAccount, String probe) implements MeshResource {
  public WorkloadGroup {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    ports = ports == null ? Map.of() : Map.copyOf(ports);
    network = network == null ? "" : network;
    locality = locality == null ? "" : locality;
    serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? WorkloadEntry.DEFAULT_SERVICE_ACCOUNT
        : serviceAccount;
    probe = probe == null ? "" : probe;
  }
}
