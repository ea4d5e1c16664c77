package io.bosun.push;

import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.translate.ProxyIdentity;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxies the xDS server has seen, each worked out once from its node: the server asks on
 * every request, and a stream's group must not change under it. In Kubernetes a sidecar's
 * locality is its pod's (the node it was scheduled to), which its bootstrap cannot know at
 * injection time, so it is looked up in the store here.
 */
public final class ProxyRegistry {
  private final ConfigStore store;
  private final Map<Node, Proxy> proxies = new ConcurrentHashMap<>();

  public ProxyRegistry(ConfigStore store) {
    this.store = store;
  }

  /** The group a node's proxy shares its config with: everything translation reads from a proxy. */
  public String groupOf(Node node) {
    return ProxyIdentity.group(proxyOf(node));
  }

  public Proxy proxyOf(Node node) {
    return proxies.computeIfAbsent(node, this::identify);
  }

  /** Forgets the proxies whose group has no stream any more. */
  void retainGroups(Set<String> connected) {
    proxies.values().removeIf(p -> !connected.contains(ProxyIdentity.group(p)));
  }

  private Proxy identify(Node node) {
    Proxy p = ProxyIdentity.of(node);
    if (!p.locality().isEmpty() || p.podName().isEmpty()) {
      return p;
    }
    String locality = store.podLocality(p.namespace(), p.podName());
    return locality.isEmpty() ? p : p.withLocality(locality);
  }
}
