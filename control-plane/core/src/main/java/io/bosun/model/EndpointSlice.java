package io.bosun.model;

import java.util.List;

/** A discovery.k8s.io/v1 EndpointSlice of the Service {@code serviceName} in the same namespace. */
public record EndpointSlice(ResourceRef ref, String serviceName, List<Endpoint> endpoints) implements MeshResource {
  public EndpointSlice {
    endpoints = List.copyOf(endpoints);
  }
}
