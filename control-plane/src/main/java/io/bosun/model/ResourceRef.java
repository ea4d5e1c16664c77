package io.bosun.model;

import java.util.Comparator;

/** Identifies one configuration object: its kind and namespace/name. Renders as {@code Kind ns/name}. */
public record ResourceRef(String kind, String namespace, String name) implements Comparable<ResourceRef> {

  private static final Comparator<ResourceRef> ORDER = Comparator.comparing(ResourceRef::kind)
      .thenComparing(ResourceRef::namespace)
      .thenComparing(ResourceRef::name);

  @Override
  public int compareTo(ResourceRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
