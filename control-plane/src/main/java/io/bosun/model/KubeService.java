package io.bosun.model;

import java.util.List;

/** A core/v1 Service as far as the mesh needs it. */
public record KubeService(ResourceRef ref, String clusterIp, List<ServicePort> ports) {
  public KubeService {
    ports = List.copyOf(ports);
  }
}
