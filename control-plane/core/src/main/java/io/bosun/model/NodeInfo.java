package io.bosun.model;

/** What the mesh needs of a Kubernetes Node: its locality ({@code region/zone/subzone}, or empty). */
public record NodeInfo(ResourceRef ref, String locality) implements MeshResource {
  public NodeInfo {
    locality = locality == null ? "" : locality;
  }
}
