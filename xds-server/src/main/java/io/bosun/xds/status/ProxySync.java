package io.bosun.xds.status;

import java.util.List;
import java.util.Map;

/**
 * Sync state of one connected proxy; {@code types} holds CDS, EDS, LDS, RDS in that order,
 * {@code nonces} the nonce last sent per type name (empty when none was), {@code proxyVersion}
 * the release the proxy reports (node metadata {@code ISTIO_VERSION}; empty when it does not).
 */
public record ProxySync(String nodeId, String group, String streamKind, List<TypeSync> types,
                        Map<String, String> nonces, String proxyVersion) {

  public ProxySync {
    types = List.copyOf(types);
    nonces = Map.copyOf(nonces);
  }

  /** The entry for one type name, e.g. "CDS". */
  public TypeSync type(String type) {
    return types.stream()
        .filter(t -> t.type().equals(type))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown xDS type " + type));
  }
}
