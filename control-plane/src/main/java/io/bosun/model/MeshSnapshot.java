package io.bosun.model;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Everything translation needs, frozen at one moment (Istio's PushContext). Config lists are
 * sorted by {@link ResourceRef}, which is the precedence order when two resources compete.
 */
public record MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                           List<DestinationRule> destinationRules, List<Gateway> gateways, MeshConfig mesh) {

  public MeshSnapshot {
    virtualServices = virtualServices.stream().sorted(Comparator.comparing(VirtualService::ref)).toList();
    destinationRules = destinationRules.stream().sorted(Comparator.comparing(DestinationRule::ref)).toList();
    gateways = gateways.stream().sorted(Comparator.comparing(Gateway::ref)).toList();
    mesh = mesh == null ? MeshConfig.DEFAULT : mesh;
  }

  public MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                      List<DestinationRule> destinationRules, List<Gateway> gateways) {
    this(registry, virtualServices, destinationRules, gateways, MeshConfig.DEFAULT);
  }

  public static MeshSnapshot empty() {
    return new MeshSnapshot(ServiceRegistry.empty(), List.of(), List.of(), List.of());
  }

  /** The DestinationRule for a host: one in the service's own namespace first, then the first by name. */
  public Optional<DestinationRule> destinationRule(Service service) {
    return destinationRules.stream()
        .filter(dr -> dr.host().equals(service.hostname()))
        .min(Comparator.comparing((DestinationRule dr) -> !dr.ref().namespace().equals(service.namespace()))
            .thenComparing(DestinationRule::ref));
  }
}
