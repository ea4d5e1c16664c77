package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * A validated ServiceEntry: each host becomes a service of the registry. Its endpoints are
 * {@code endpoints}, or the Pods of its namespace that {@code workloadSelector} (null when unset) selects.
 */
public record ServiceEntry(ResourceRef ref, List<String> hosts, List<String> addresses, List<ServicePort> ports,
                           boolean meshExternal, Resolution resolution, List<Endpoint> endpoints,
                           Map<String, String> workloadSelector, List<String> exportTo) implements MeshResource {
  public ServiceEntry {
    hosts = List.copyOf(hosts);
    addresses = List.copyOf(addresses);
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
    workloadSelector = workloadSelector == null ? null : Map.copyOf(workloadSelector);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
  }
}
