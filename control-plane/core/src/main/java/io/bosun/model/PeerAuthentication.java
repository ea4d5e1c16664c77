package io.bosun.model;

import java.util.Map;

/**
 * A PeerAuthentication: whether the workloads it applies to accept mutual TLS only (STRICT),
 * mutual TLS and plaintext (PERMISSIVE) or plaintext only (DISABLE). Without a selector it applies
 * to its namespace, or in the root namespace to the mesh; {@code portLevel} (workload policies
 * only) overrides the mode for a workload port. UNSET inherits from the level above.
 *
 * @param selector null for a namespace-wide (or, in the root namespace, mesh-wide) policy
 */
public record PeerAuthentication(ResourceRef ref, Map<String, String> selector, MtlsMode mode,
                                 Map<Integer, MtlsMode> portLevel) implements MeshResource {
  public PeerAuthentication {
    selector = selector == null ? null : Map.copyOf(selector);
    mode = mode == null ? MtlsMode.UNSET : mode;
    portLevel = portLevel == null ? Map.of() : Map.copyOf(portLevel);
  }

  /** Istio's mutual TLS modes; UNSET inherits. */
  public enum MtlsMode {
    UNSET, DISABLE, PERMISSIVE, STRICT
  }

  public boolean selects(Map<String, String> labels) {
    return selector != null && labels.entrySet().containsAll(selector.entrySet());
  }
}
