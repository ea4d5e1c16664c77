package io.bosun.xds.auth;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workload identity proven by a caller's credentials: a Kubernetes service account in a trust
 * domain, and the pod the credential was bound to when it was (a pod-bound projected token).
 *
 * @param pod the pod name the credential is bound to; empty when it is not bound to one
 */
public record Identity(String trustDomain, String namespace, String serviceAccount, String pod) {
  /**
   * Node metadata key under which the xDS server records the identity a stream was admitted with
   * (a SPIFFE id). Whatever a caller puts there itself is removed before admission.
   */
  public static final String NODE_METADATA_KEY = "BOSUN_IDENTITY";
  private static final Pattern SPIFFE = Pattern.compile("spiffe://([^/]+)/ns/([^/]+)/sa/([^/]+)");

  public Identity {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    pod = pod == null ? "" : pod;
  }

  /** {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}, as Istio names workloads. */
  public String spiffeId() {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /** What limits count against: the pod for a pod-bound credential, else the service account. */
  public String principal() {
    return pod.isEmpty() ? spiffeId() : spiffeId() + "#pod=" + pod;
  }

  /** The identity a SPIFFE URI names (no pod), if it is one of Istio's workload form. */
  public static Optional<Identity> fromSpiffe(String uri) {
    Matcher m = SPIFFE.matcher(uri);
    return m.matches() ? Optional.of(new Identity(m.group(1), m.group(2), m.group(3), "")) : Optional.empty();
  }

  @Override
  public String toString() {
    return pod.isEmpty() ? spiffeId() : spiffeId() + " (pod " + pod + ")";
  }
}
