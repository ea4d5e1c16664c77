package io.bosun.xds.auth;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Optional;

/**
 * Decides whether a caller may be the proxy its node describes, and with which identity. Runs
 * once per xDS stream, on the stream's first request, before any config is computed for it.
 */
@FunctionalInterface
public interface NodeAdmission {

  /** Admits every node as it claims to be, with the caller's proven identity (if any). */
  NodeAdmission CLAIMS = (caller, node) -> new Admitted(node, caller.identity());

  /**
   * The node to serve (possibly corrected from what the caller can prove, e.g. its pod's labels)
   * and the identity it is served as. Throws to refuse the stream.
   */
  Admitted admit(Caller caller, Node node) throws AdmissionException;

  /** An admitted node and the identity config and Secrets are computed for (empty: none). */
  record Admitted(Node node, Optional<Identity> identity) {
  }
}
