package io.bosun.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Opens every state-of-the-world watch in SimpleCache's non-ADS mode. In ADS mode SimpleCache
 * will not answer an EDS/RDS watch naming a resource the snapshot lacks, and on a snapshot
 * change it drops such a watch without answering: an Envoy still subscribed to a route table
 * that disappeared for a moment (a listener removed and re-added) then never hears of that
 * table again. Bosun's snapshots are complete by construction (every route table a listener
 * names and every EDS cluster's assignment are in them), so answering with the resources that
 * exist is safe.
 */
final class LenientWatcher implements ConfigWatcher {
  private final ConfigWatcher delegate;

  LenientWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                           Consumer<Response> responseConsumer, boolean hasClusterChanged,
                           boolean allowDefaultEmptyEdsUpdate) {
    return delegate.createWatch(false, request, knownResourceNames, responseConsumer, hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
                                     Map<String, String> resourceVersions, Set<String> pendingResources,
                                     boolean isWildcard, Consumer<DeltaResponse> responseConsumer,
                                     boolean hasClusterChanged) {
    return delegate.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
        responseConsumer, hasClusterChanged);
  }
}
