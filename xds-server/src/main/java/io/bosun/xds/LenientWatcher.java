package io.bosun.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Opens every state-of-the-world watch in SimpleCache's non-ADS mode. In ADS mode SimpleCache
 * will not answer an EDS/RDS watch naming a resource the snapshot lacks, and on a snapshot
 * change it drops such a watch without answering: an Envoy still subscribed to a route table
 * that disappeared for a moment (a listener removed and re-added) then never hears of that
 * table again. Bosun's snapshots are complete by construction (every route table a listener
 * names and every EDS cluster's assignment are in them), so answering with the resources that
 * exist is safe. Endpoint responses carry only the assignments that changed (incremental EDS).
 */
final class LenientWatcher implements ConfigWatcher {
  private final ConfigWatcher delegate;

  LenientWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  /** Per proxy: hash of every endpoint assignment last sent on its current stream. */
  private final Map<String, Map<String, Integer>> sentEndpoints = new ConcurrentHashMap<>();

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                           Consumer<Response> responseConsumer, boolean hasClusterChanged,
                           boolean allowDefaultEmptyEdsUpdate) {
    Consumer<Response> consumer = responseConsumer;
    if (request.getResourceType() == Resources.ResourceType.CLUSTER) {
      // Envoy re-creates every cluster a CDS response changes and warms it until its assignment
      // arrives; the next endpoint response must carry them all. Without this, an EDS response
      // of the same push (sent after the CDS one, resetting java-control-plane's "clusters
      // changed" flag) carries only the changed assignments, and a re-created cluster whose
      // endpoints did not change waits for Envoy's initial fetch timeout.
      String node = request.v3Request().getNode().getId();
      consumer = response -> {
        sentEndpoints.remove(node);
        responseConsumer.accept(response);
      };
    } else if (request.getResourceType() == Resources.ResourceType.ENDPOINT) {
      String node = request.v3Request().getNode().getId();
      if (request.getResponseNonce().isEmpty() || request.hasErrorDetail() || hasClusterChanged) {
        // a new stream, a rejected update, or clusters Envoy re-creates and must warm: send everything
        sentEndpoints.remove(node);
      }
      consumer = response -> responseConsumer.accept(onlyChanged(node, response));
    }
    return delegate.createWatch(false, request, knownResourceNames, consumer, hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  /**
   * Incremental EDS on state-of-the-world streams: Envoy keeps the assignments an EDS response
   * leaves out, so only the clusters whose endpoints changed (or are new to the stream) are sent.
   */
  private Response onlyChanged(String node, Response response) {
    Map<String, Integer> sent = sentEndpoints.computeIfAbsent(node, n -> new ConcurrentHashMap<>());
    List<Message> changed = new ArrayList<>();
    for (Message m : response.resources()) {
      String name = ((ClusterLoadAssignment) m).getClusterName();
      Integer hash = m.hashCode();
      if (!hash.equals(sent.put(name, hash))) {
        changed.add(m);
      }
    }
    return changed.size() == response.resources().size() ? response
        : Response.create(response.request(), changed, response.version());
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
