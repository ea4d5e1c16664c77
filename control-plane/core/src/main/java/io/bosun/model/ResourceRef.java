package io.bosun.model;

import java.util.Comparator;

/** Identifies one configuration object: its kind and namespace/name. Renders as {@code Kind ns/name}. */
public record ResourceRef(Kind kind, String namespace, String name) implements Comparable<ResourceRef> {

  // by kind name, so listings read alphabetically whatever the enum's order
  private static final Comparator<ResourceRef> ORDER = Comparator.comparing((ResourceRef r) -> r.kind().kindName())
      .thenComparing(ResourceRef::namespace)
      .thenComparing(ResourceRef::name);

  public ResourceRef {
    if (kind == null || namespace == null || name == null) {
      throw new IllegalArgumentException("kind, namespace and name are required");
    }
  }

  @Override
  public int compareTo(ResourceRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
