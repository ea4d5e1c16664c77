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
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
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
 * exist is safe.
 *
 * <p>Endpoint responses on state-of-the-world streams carry only the assignments that changed
 * (incremental EDS: Envoy keeps the assignments a response leaves out). The server's own record
 * of what a stream holds is the names of the last response, which is then a subset of what the
 * Envoy asks for; SimpleCache takes the difference for newly requested names and answers at
 * once, so the record given to it here is every assignment the stream holds. Without that, each
 * answer provoked the next one: an endless EDS storm after the first endpoint change.
 */
final class LenientWatcher implements ConfigWatcher, DiscoveryServerCallbacks {
  private final ConfigWatcher delegate;

  /**
   * Per proxy: every assignment its current stream holds, as last sent. A list of shared
   * instances (the snapshot's own), so a thousand clusters cost a thousand references.
   */
  private final Map<String, List<? extends Message>> held = new ConcurrentHashMap<>();

  /** The node of each open stream, to forget what it held when it closes. */
  private final Map<Long, String> streams = new ConcurrentHashMap<>();

  /**
   * Per proxy, then delta type: what a reconnecting proxy said it holds ({@code
   * initial_resource_versions}) that its stream has not sent or removed since. java-control-plane
   * 1.0.49 only logs that map, so every reconnect was answered with everything; merged into what
   * the stream is known to hold, only what changed meanwhile goes out.
   */
  private final Map<String, Map<String, Map<String, String>>> reported = new ConcurrentHashMap<>();

  LenientWatcher(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
                           Consumer<Response> responseConsumer, boolean hasClusterChanged,
                           boolean allowDefaultEmptyEdsUpdate) {
    Consumer<Response> consumer = responseConsumer;
    Set<String> known = knownResourceNames;
    if (request.getResourceType() == Resources.ResourceType.CLUSTER) {
      // Envoy re-creates every cluster a CDS response changes and warms it until its assignment
      // arrives; the next endpoint response must carry them all. Without this, an EDS response
      // of the same push (sent after the CDS one, resetting java-control-plane's "clusters
      // changed" flag) carries only the changed assignments, and a re-created cluster whose
      // endpoints did not change waits for Envoy's initial fetch timeout.
      String node = request.v3Request().getNode().getId();
      consumer = response -> {
        held.remove(node);
        responseConsumer.accept(response);
      };
    } else if (request.getResourceType() == Resources.ResourceType.ENDPOINT) {
      String node = request.v3Request().getNode().getId();
      if (request.getResponseNonce().isEmpty() || request.hasErrorDetail() || hasClusterChanged) {
        // a new stream, a rejected update, or clusters Envoy re-creates and must warm: send everything
        held.remove(node);
      }
      known = names(held.get(node));
      consumer = response -> responseConsumer.accept(onlyChanged(node, response));
    }
    return delegate.createWatch(false, request, known, consumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
  }

  private static Set<String> names(List<? extends Message> assignments) {
    if (assignments == null) {
      return Set.of();
    }
    Set<String> names = new HashSet<>();
    assignments.forEach(m -> names.add(((ClusterLoadAssignment) m).getClusterName()));
    return names;
  }

  /** The response with only the assignments the stream does not hold yet, as they are now. */
  private Response onlyChanged(String node, Response response) {
    Collection<? extends Message> all = response.resources();
    List<? extends Message> before = held.put(node, List.copyOf(all));
    if (before == null) {
      return response;
    }
    Map<String, Message> previous = new HashMap<>();
    before.forEach(m -> previous.put(((ClusterLoadAssignment) m).getClusterName(), m));
    List<Message> changed = new ArrayList<>();
    for (Message m : all) {
      Message old = previous.get(((ClusterLoadAssignment) m).getClusterName());
      // the snapshots share unchanged instances, so identity settles most of them
      if (old != m && !m.equals(old)) {
        changed.add(m);
      }
    }
    return changed.size() == all.size() ? response : Response.create(response.request(), changed, response.version());
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    if (request.hasNode()) {
      streams.putIfAbsent(streamId, request.getNode().getId());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    if (request.hasNode()) {
      streams.putIfAbsent(streamId, request.getNode().getId());
    }
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    forget(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    forget(streamId);
  }

  /** A reconnect's new stream may have started already: it then resends everything, which is safe. */
  private void forget(long streamId) {
    String node = streams.remove(streamId);
    if (node != null) {
      held.remove(node);
      reported.remove(node);
    }
  }

  /** For tests: how many proxies' holdings are remembered. */
  int remembered() {
    return held.size();
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
                                     Map<String, String> resourceVersions, Set<String> pendingResources,
                                     boolean isWildcard, Consumer<DeltaResponse> responseConsumer,
                                     boolean hasClusterChanged) {
    String node = request.v3Request().getNode().getId();
    String type = request.getTypeUrl();
    if (request.getResponseNonce().isEmpty()) {
      // the stream's first request of this type: a reconnect names what the proxy still holds
      if (request.getInitialResourceVersionsMap().isEmpty()) {
        reported.computeIfPresent(node, (n, byType) -> {
          byType.remove(type);
          return byType.isEmpty() ? null : byType;
        });
      } else {
        reported.computeIfAbsent(node, n -> new ConcurrentHashMap<>())
            .put(type, new ConcurrentHashMap<>(request.getInitialResourceVersionsMap()));
      }
    }
    Map<String, Map<String, String>> byType = reported.get(node);
    Map<String, String> stillHeld = byType == null ? null : byType.get(type);
    if (stillHeld == null) {
      return delegate.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
          responseConsumer, hasClusterChanged);
    }
    Map<String, String> known = new HashMap<>(stillHeld);
    known.putAll(resourceVersions); // what the stream sent since is newer
    return delegate.createDeltaWatch(request, requesterVersion, known, pendingResources, isWildcard, response -> {
      // sent or removed now: java-control-plane tracks these from here on
      stillHeld.keySet().removeAll(response.resources().keySet());
      response.removedResources().forEach(stillHeld::remove);
      responseConsumer.accept(response);
    }, hasClusterChanged);
  }
}
