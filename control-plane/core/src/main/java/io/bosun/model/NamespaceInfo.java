package io.bosun.model;

import java.util.Map;

/** A namespace and its labels (injection and, later, visibility read them). */
public record NamespaceInfo(String name, Map<String, String> labels) implements MeshResource {
  public NamespaceInfo {
    labels = Map.copyOf(labels);
  }
}
