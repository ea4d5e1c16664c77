package io.bosun.model;

import java.util.List;

/** A validated ServiceEntry: each host becomes a service of the registry. */
public record ServiceEntry(ResourceRef ref, List<String> hosts, List<String> addresses, List<ServicePort> ports,
                           boolean meshExternal, Resolution resolution, List<Endpoint> endpoints) {
  public ServiceEntry {
    hosts = List.copyOf(hosts);
    addresses = List.copyOf(addresses);
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }
}
