package io.bosun.xds;

import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Decides which group a connecting Envoy belongs to; every proxy of a group gets the same
 * snapshot. Must be a pure function of the node: it is called on gRPC threads, possibly several
 * times for one stream.
 */
@FunctionalInterface
public interface ProxyGrouping {

  String groupOf(Node node);
}
