package io.bosun.model;

import java.util.Map;

/**
 * A connected Envoy, as identified by its node id and metadata.
 *
 * @param locality     {@code region/zone/subzone} from the Envoy node's locality or, in Kubernetes, its
 *                     pod's node; empty when unknown
 * @param identity     the SPIFFE id the proxy proved (or, where claims are trusted, claimed); empty
 *                     for an anonymous proxy
 * @param secretAccess whether the proxy may receive the Secrets of its namespace that Gateways and
 *                     DestinationRules name ({@code credentialName}); decided from its identity
 * @param meshCertificate whether the proxy gets a workload certificate ({@code default} and {@code ROOTCA}
 *                     over SDS): only then can it speak mutual TLS
 */
public record Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
                    String locality, String identity, boolean secretAccess, boolean meshCertificate) {
  public Proxy {
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
    identity = identity == null ? "" : identity;
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
               String locality) {
    this(id, type, ip, podName, namespace, labels, locality, "", false, false);
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
               String locality, String identity, boolean secretAccess) {
    this(id, type, ip, podName, namespace, labels, locality, identity, secretAccess, false);
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels) {
    this(id, type, ip, podName, namespace, labels, "");
  }

  public Proxy withLocality(String newLocality) {
    return new Proxy(id, type, ip, podName, namespace, labels, newLocality, identity, secretAccess, meshCertificate);
  }

  public Proxy withSecretAccess(boolean allowed) {
    return allowed == secretAccess ? this
        : new Proxy(id, type, ip, podName, namespace, labels, locality, identity, allowed, meshCertificate);
  }

  public Proxy withMeshCertificate(boolean has) {
    return has == meshCertificate ? this
        : new Proxy(id, type, ip, podName, namespace, labels, locality, identity, secretAccess, has);
  }
}
