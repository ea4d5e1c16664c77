package io.bosun.xds;

import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * Called synchronously on the gRPC thread, before the cache watch is created, the first time a
 * group is seen with no snapshot yet; calling {@link XdsServer#setResources} from here lets the
 * very first request be answered at once instead of waiting for the next push.
 */
@FunctionalInterface
public interface NewGroupListener {

  void onNewGroup(String group, Node node);
}
