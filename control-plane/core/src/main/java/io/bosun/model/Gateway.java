package io.bosun.model;

import java.util.List;
import java.util.Map;

/** A validated Gateway; it applies to gateway proxies whose labels include {@code selector}. */
public record Gateway(ResourceRef ref, Map<String, String> selector,
    List<GatewayServer> servers) implements MeshResource {
  public Gateway {
    selector = Map.copyOf(selector);
    servers = List.copyOf(servers);
  }

  /** The name VirtualServices use to bind to it. */
  public String qualifiedName() {
    return ref.namespace() + "/" + ref.name();
  }

  public boolean selects(Map<String, String> labels) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
