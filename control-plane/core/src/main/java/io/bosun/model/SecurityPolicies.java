package io.bosun.model;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code security.istio.io} policies of a snapshot, sorted by reference, with Istio's rules for
 * which apply to a workload: PeerAuthentication by precedence (workload, then namespace, then
 * mesh), AuthorizationPolicy and RequestAuthentication all together.
 */
public record SecurityPolicies(List<PeerAuthentication> peerAuthentications,
                               List<AuthorizationPolicy> authorizationPolicies,
                               List<RequestAuthentication> requestAuthentications) {
  public static final SecurityPolicies NONE = new SecurityPolicies(List.of(), List.of(), List.of());
  /** Istio's default root namespace: its selector-less policies apply to the whole mesh. */
  public static final String ROOT_NAMESPACE = Sidecar.ROOT_NAMESPACE;

  public SecurityPolicies {
    peerAuthentications = sorted(peerAuthentications, PeerAuthentication::ref);
    authorizationPolicies = sorted(authorizationPolicies, AuthorizationPolicy::ref);
    requestAuthentications = sorted(requestAuthentications, RequestAuthentication::ref);
  }

  private static <T> List<T> sorted(List<T> l, Function<T, ResourceRef> ref) {
    return l == null ? List.of() : l.stream().sorted(Comparator.comparing(ref)).toList();
  }

  public boolean isEmpty() {
    return peerAuthentications.isEmpty() && authorizationPolicies.isEmpty() && requestAuthentications.isEmpty();
  }

  /**
   * The mutual TLS mode of a workload's port: the port-level or workload-level mode of the first
   * (by name) PeerAuthentication of its namespace selecting it, else its namespace's, else the
   * mesh's; UNSET at one level inherits from the next. PERMISSIVE when nothing says otherwise.
   */
  public PeerAuthentication.MtlsMode mtlsMode(String namespace, Map<String, String> labels, int port) {
    Optional<PeerAuthentication> workload = peerAuthentications.stream()
        .filter(p -> p.ref().namespace().equals(namespace) && p.selects(labels)).findFirst();
    if (workload.isPresent()) {
      PeerAuthentication.MtlsMode m = workload.get().portLevel().get(port);
      if (m != null && m != PeerAuthentication.MtlsMode.UNSET) {
        return m;
      }
      if (workload.get().mode() != PeerAuthentication.MtlsMode.UNSET) {
        return workload.get().mode();
      }
    }
    for (String ns : List.of(namespace, ROOT_NAMESPACE)) {
      Optional<PeerAuthentication> wide = peerAuthentications.stream()
          .filter(p -> p.ref().namespace().equals(ns) && p.selector() == null).findFirst();
      if (wide.isPresent() && wide.get().mode() != PeerAuthentication.MtlsMode.UNSET) {
        return wide.get().mode();
      }
    }
    return PeerAuthentication.MtlsMode.PERMISSIVE;
  }

  /** The AuthorizationPolicies that apply to a workload: its namespace's that select it, and the root namespace's. */
  public List<AuthorizationPolicy> authorizationFor(String namespace, Map<String, String> labels) {
    return authorizationPolicies.stream().filter(p -> applies(p.ref(), namespace) && p.selects(labels)).toList();
  }

  /** The RequestAuthentications that apply to a workload, as {@link #authorizationFor}. */
  public List<RequestAuthentication> requestAuthenticationFor(String namespace, Map<String, String> labels) {
    return requestAuthentications.stream().filter(p -> applies(p.ref(), namespace) && p.selects(labels)).toList();
  }

  private static boolean applies(ResourceRef ref, String namespace) {
    return ref.namespace().equals(namespace) || ref.namespace().equals(ROOT_NAMESPACE);
  }
}
