package io.bosun.model;

import java.util.List;

/** A core/v1 Service as far as the mesh needs it. */
public record KubeService(ResourceRef ref, String clusterIp, List<ServicePort> ports,
    List<String> exportTo) implements MeshResource {
  /** The annotation Istio reads a Service's exportTo from. */
  public static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

  public KubeService {
    ports = List.copyOf(ports);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
  }
}
