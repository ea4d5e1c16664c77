package io.bosun.model;

import java.util.List;
import java.util.Optional;

/**
 * A service of the registry, from a Kubernetes Service or a ServiceEntry host.
 *
 * @param hostname fully qualified name, e.g. {@code reviews.default.svc.cluster.local}
 * @param address  the ClusterIP or ServiceEntry VIP, or empty
 * @param kubernetes true for a Kubernetes Service (short names get their Istio aliases)
 */
public record Service(String hostname, String namespace, String address, List<ServicePort> ports,
                      Resolution resolution, boolean meshExternal, boolean kubernetes, ResourceRef origin,
                      List<String> exportTo) {
  public Service {
    address = address == null ? "" : address;
    ports = List.copyOf(ports);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
  }

  public Optional<ServicePort> port(int number) {
    return ports.stream().filter(p -> p.number() == number).findFirst();
  }
}
