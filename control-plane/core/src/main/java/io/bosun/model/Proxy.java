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
 */
public record Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
                    String locality, String identity, boolean secretAccess) {
  public Proxy {
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
    identity = identity == null ? "" : identity;
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
               String locality) {
    this(id, type, ip, podName, namespace, labels, locality, "", false);
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels) {
    this(id, type, ip, podName, namespace, labels, "");
  }

  public Proxy withLocality(String newLocality) {
    return new Proxy(id, type, ip, podName, namespace, labels, newLocality, identity, secretAccess);
  }

  public Proxy withSecretAccess(boolean allowed) {
    return allowed == secretAccess ? this
        : new Proxy(id, type, ip, podName, namespace, labels, locality, identity, allowed);
  }
}
