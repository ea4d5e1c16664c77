package io.bosun.model;

import java.util.Map;

/**
 * A connected Envoy, as identified by its node id and metadata.
 *
 * @param locality {@code region/zone/subzone} from the Envoy node's locality or, in Kubernetes, its
 *                 pod's node; empty when unknown
 */
public record Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels,
                    String locality) {
  public Proxy {
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
  }

  public Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels) {
    this(id, type, ip, podName, namespace, labels, "");
  }
}
