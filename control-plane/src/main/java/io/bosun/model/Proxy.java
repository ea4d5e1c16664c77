package io.bosun.model;

import java.util.Map;

/** A connected Envoy, as identified by its node id and metadata. */
public record Proxy(String id, ProxyType type, String ip, String podName, String namespace, Map<String, String> labels) {
  public Proxy {
    labels = Map.copyOf(labels);
  }
}
