package io.bosun.identity;

import java.util.Set;

/**
 * Whether a workload identity may receive the Secrets of its namespace that config names
 * ({@code credentialName}), as Istio decides it: may its service account list Secrets there?
 */
public interface SecretAccess {
  /** Every identity may (standalone mode: the Secrets are the operator's files, the proxies its own). */
  SecretAccess ANY_IDENTITY = new SecretAccess() {
    @Override
    public boolean allowed(String spiffeId) {
      return !spiffeId.isEmpty();
    }

    @Override
    public Set<String> recheck(Set<String> inUse) {
      return Set.of();
    }
  };

  /** Whether {@code spiffeId} (empty: an anonymous proxy, never) may receive its namespace's Secrets. */
  boolean allowed(String spiffeId);

  /**
   * Forgets the decisions for identities not {@code inUse} and re-asks for the others; returns
   * the identities whose answer changed.
   */
  Set<String> recheck(Set<String> inUse);
}
