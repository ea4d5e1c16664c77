package io.bosun.model;

import java.util.List;

/**
 * A validated VirtualService. Hosts and destination hosts are already resolved to fully
 * qualified names relative to the resource's namespace; gateways to {@code ns/name} or
 * {@code mesh}.
 */
public record VirtualService(ResourceRef ref, List<String> hosts, List<String> gateways, List<HttpRoute> http,
                             List<L4Route> tcp, List<L4Route> tls, List<String> exportTo) implements MeshResource {
  public static final String MESH = "mesh";

  public VirtualService {
    hosts = List.copyOf(hosts);
    gateways = gateways.isEmpty() ? List.of(MESH) : List.copyOf(gateways);
    http = List.copyOf(http);
    tcp = tcp == null ? List.of() : List.copyOf(tcp);
    tls = tls == null ? List.of() : List.copyOf(tls);
    exportTo = exportTo == null ? List.of() : List.copyOf(exportTo);
  }

  public VirtualService(ResourceRef ref, List<String> hosts, List<String> gateways, List<HttpRoute> http) {
    this(ref, hosts, gateways, http, List.of(), List.of(), List.of());
  }

  public boolean appliesToMesh() {
    return !isDelegate() && gateways.contains(MESH);
  }

  /** Without hosts it is a delegate: it serves only through a root that names it. */
  public boolean isDelegate() {
    return hosts.isEmpty();
  }
}
