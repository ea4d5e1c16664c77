package io.bosun.model;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything translation needs, frozen at one moment (Istio's PushContext). Config lists are
 * sorted by {@link ResourceRef}, which is the precedence order when two resources compete.
 *
 * @param secrets       TLS Secrets that {@code credentialName} fields may name
 * @param viewNamespace empty for the whole mesh; else the namespace this snapshot was narrowed to
 *                      by {@link #visibleTo(String)}
 * @param sidecars      the Sidecar resources; empty in a snapshot already scoped by one
 * @param security      PeerAuthentication, AuthorizationPolicy and RequestAuthentication
 */
public record MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                           List<DestinationRule> destinationRules, List<Gateway> gateways, MeshConfig mesh,
                           List<TlsSecret> secrets, String viewNamespace, List<Sidecar> sidecars,
                           SecurityPolicies security) {

  public MeshSnapshot {
    virtualServices = Delegation.flatten(virtualServices).stream().sorted(Comparator.comparing(VirtualService::ref))
        .toList();
    destinationRules = destinationRules.stream().sorted(Comparator.comparing(DestinationRule::ref)).toList();
    gateways = gateways.stream().sorted(Comparator.comparing(Gateway::ref)).toList();
    mesh = mesh == null ? MeshConfig.DEFAULT : mesh;
    secrets = secrets == null ? List.of() : secrets.stream().sorted(Comparator.comparing(TlsSecret::ref)).toList();
    viewNamespace = viewNamespace == null ? "" : viewNamespace;
    sidecars = sidecars == null ? List.of() : sidecars.stream().sorted(Comparator.comparing(Sidecar::ref)).toList();
    security = security == null ? SecurityPolicies.NONE : security;
  }

  public MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                      List<DestinationRule> destinationRules, List<Gateway> gateways, MeshConfig mesh,
                      List<TlsSecret> secrets, String viewNamespace, List<Sidecar> sidecars) {
    this(registry, virtualServices, destinationRules, gateways, mesh, secrets, viewNamespace, sidecars,
        SecurityPolicies.NONE);
  }

  public MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                      List<DestinationRule> destinationRules, List<Gateway> gateways, MeshConfig mesh,
                      List<TlsSecret> secrets, String viewNamespace) {
    this(registry, virtualServices, destinationRules, gateways, mesh, secrets, viewNamespace, List.of());
  }

  public MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                      List<DestinationRule> destinationRules, List<Gateway> gateways, MeshConfig mesh) {
    this(registry, virtualServices, destinationRules, gateways, mesh, List.of(), "");
  }

  public MeshSnapshot(ServiceRegistry registry, List<VirtualService> virtualServices,
                      List<DestinationRule> destinationRules, List<Gateway> gateways) {
    this(registry, virtualServices, destinationRules, gateways, MeshConfig.DEFAULT, List.of(), "");
  }

  public static MeshSnapshot empty() {
    return new MeshSnapshot(ServiceRegistry.empty(), List.of(), List.of(), List.of());
  }

  /** True when some service, VirtualService or DestinationRule is not exported to every namespace. */
  public boolean hasExportRestrictions() {
    return registry.hasExportRestrictions()
        || virtualServices.stream().anyMatch(vs -> ExportTo.restricted(vs.exportTo()))
        || destinationRules.stream().anyMatch(dr -> ExportTo.restricted(dr.exportTo()));
  }

  /** The mesh as proxies in {@code namespace} see it: only what is exported there (exportTo). */
  public MeshSnapshot visibleTo(String namespace) {
    return new MeshSnapshot(registry.visibleTo(namespace),
        virtualServices.stream().filter(vs -> ExportTo.visible(vs.exportTo(), vs.ref().namespace(), namespace))
            .toList(),
        destinationRules.stream().filter(dr -> ExportTo.visible(dr.exportTo(), dr.ref().namespace(), namespace))
            .toList(),
        gateways, mesh, secrets, namespace, sidecars, security);
  }

  /**
   * The Sidecar resource that applies to a sidecar in {@code namespace} with {@code labels}, as
   * Istio picks it: one of its namespace selecting it, else its namespace's selector-less one,
   * else the root namespace's selector-less one. Ties go to the first by name.
   */
  public Optional<Sidecar> sidecarFor(String namespace, Map<String, String> labels) {
    Optional<Sidecar> selecting = sidecars.stream().filter(s -> s.ref().namespace().equals(namespace)
        && s.workloadSelector() != null && s.selects(labels)).findFirst();
    if (selecting.isPresent()) {
      return selecting;
    }
    Optional<Sidecar> own = sidecars.stream().filter(s -> s.ref().namespace().equals(namespace)
        && s.workloadSelector() == null).findFirst();
    return own.isPresent() ? own : sidecars.stream().filter(s -> s.ref().namespace().equals(Sidecar.ROOT_NAMESPACE)
        && s.workloadSelector() == null).findFirst();
  }

  /**
   * The mesh as a sidecar of {@code namespace} under {@code sidecar} sees it: only the services and
   * VirtualServices it imports, and its outboundTrafficPolicy.
   */
  public MeshSnapshot scopedBy(Sidecar sidecar, String namespace) {
    return new MeshSnapshot(registry.only(s -> sidecar.imports(s.namespace(), s.hostname(), namespace)),
        virtualServices.stream().filter(vs -> vs.isDelegate()
            || vs.hosts().stream().anyMatch(h -> sidecar.imports(vs.ref().namespace(), h, namespace))).toList(),
        destinationRules, gateways,
        sidecar.registryOnly() == null ? mesh : mesh.withRegistryOnly(sidecar.registryOnly()), secrets,
        viewNamespace, List.of(), security);
  }

  /** The Secret {@code name} of {@code namespace}, if there is one. */
  public Optional<TlsSecret> secret(String namespace, String name) {
    return secrets.stream().filter(s -> s.ref().namespace().equals(namespace) && s.ref().name().equals(name))
        .findFirst();
  }

  /**
   * The DestinationRule for a host, in Istio's order: one in the client's namespace (in a narrowed
   * view), then one in the service's own namespace, then the first by name.
   */
  public Optional<DestinationRule> destinationRule(Service service) {
    return destinationRules.stream()
        .filter(dr -> dr.host().equals(service.hostname()))
        .min(Comparator.comparing((DestinationRule dr) -> viewNamespace.isEmpty()
                || !dr.ref().namespace().equals(viewNamespace))
            .thenComparing(dr -> !dr.ref().namespace().equals(service.namespace()))
            .thenComparing(DestinationRule::ref));
  }
}
