package io.bosun.model;

import java.util.List;
import java.util.Map;

/**
 * A core/v1 Service as far as the mesh needs it.
 *
 * @param selector its pod selector, which also selects the WorkloadEntries of its namespace; empty for none
 */
public record KubeService(ResourceRef ref, String clusterIp, List<ServicePort> ports,
    List<String> exportTo, Map<String, String> selector) implements MeshResource {
  /** The annotation Istio reads a Service's exportTo from. */
  public static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

  public KubeService {
    ports = List.copyOf(ports);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
    selector = selector == null ? Map.of() : Map.copyOf(selector);
  }

  public KubeService(ResourceRef ref, String clusterIp, List<ServicePort> ports, List<String> exportTo) {
    this(ref, clusterIp, ports, exportTo, Map.of());
  }
}
