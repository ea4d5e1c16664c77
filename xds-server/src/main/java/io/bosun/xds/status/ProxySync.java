package io.bosun.xds.status;

import java.util.List;

/** Sync state of one connected proxy; {@code types} holds CDS, EDS, LDS, RDS in that order. */
public record ProxySync(String nodeId, String group, String streamKind, List<TypeSync> types) {

  public ProxySync {
    types = List.copyOf(types);
  }

  /** The entry for one type name, e.g. "CDS". */
  public TypeSync type(String type) {
    return types.stream()
        .filter(t -> t.type().equals(type))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown xDS type " + type));
  }
}
