package io.bosun.xds.status;

import com.google.protobuf.Value;
import io.bosun.logging.LogContext;
import io.bosun.logging.LogSafe;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks, per connected proxy and xDS type, what was last sent, ACKed and NACKed, on
 * state-of-the-world and delta streams alike. Fed by java-control-plane callbacks, which run
 * responses before they reach the wire, so an ACK never arrives for an unrecorded send.
 *
 * <p>Relies on every request carrying the stream's node, which XdsServer guarantees.
 */
public final class SyncTracker implements DiscoveryServerCallbacks {
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}");

  private static final Logger log = LoggerFactory.getLogger(SyncTracker.class);

  /** Tracked types, in the order {@link ProxySync#types()} lists them. */
  public static final List<String> TYPES = List.of("CDS", "EDS", "LDS", "RDS", "SDS");

  private static final Map<String, String> TYPE_BY_URL = Map.of(
      Resources.V3.CLUSTER_TYPE_URL, "CDS",
      Resources.V3.ENDPOINT_TYPE_URL, "EDS",
      Resources.V3.LISTENER_TYPE_URL, "LDS",
      Resources.V3.ROUTE_TYPE_URL, "RDS",
      Resources.V3.SECRET_TYPE_URL, "SDS");

  private final Function<Node, String> grouping;
  private final ConcurrentMap<Long, StreamState> streams = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> pushes = counters();
  private final Map<String, LongAdder> rejects = counters();

  /** {@code grouping} names a node's group for display; a function so this package stays leaf. */
  public SyncTracker(Function<Node, String> grouping) {
    this.grouping = grouping;
  }

  /** One entry per connected node id, sorted by node id. */
  public List<ProxySync> snapshot() {
    Map<String, List<StreamState>> byNode = streams.values().stream()
        .sorted(Comparator.comparingLong(s -> s.streamId))
        .collect(Collectors.groupingBy(s -> s.nodeId, TreeMap::new, Collectors.toList()));
    List<ProxySync> out = new ArrayList<>(byNode.size());
    byNode.values().forEach(nodeStreams -> out.add(merge(nodeStreams)));
    return out;
  }

  /** Every open stream by id, sorted: what each one has sent and had answered. */
  public Map<Long, ProxySync> streams() {
    Map<Long, ProxySync> out = new TreeMap<>();
    streams.forEach((id, s) -> out.put(id, s.view()));
    return out;
  }

  /** Responses sent for a type ("CDS", ...), across all streams since start. */
  public long pushes(String type) {
    LongAdder count = pushes.get(type);
    return count == null ? 0 : count.sum();
  }

  /** NACKs received for a type since start. */
  public long rejects(String type) {
    LongAdder count = rejects.get(type);
    return count == null ? 0 : count.sum();
  }

  public int connectedProxies() {
    return (int) streams.values().stream().map(s -> s.nodeId).distinct().count();
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    String error = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    onRequest(streamId, request.getNode(), "sotw", request.getTypeUrl(),
        request.getResponseNonce(), error);
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    String error = request.hasErrorDetail() ? request.getErrorDetail().getMessage() : null;
    onRequest(streamId, request.getNode(), "delta", request.getTypeUrl(),
        request.getResponseNonce(), error);
  }

  @Override
  public void onV3StreamResponse(long streamId, DiscoveryRequest request,
                                 DiscoveryResponse response) {
    onResponse(streamId, response.getTypeUrl(), response.getVersionInfo(), response.getNonce());
  }

  @Override
  public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request,
                                      DeltaDiscoveryResponse response) {
    onResponse(streamId, response.getTypeUrl(), response.getSystemVersionInfo(),
        response.getNonce());
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    streams.remove(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    streams.remove(streamId);
  }

  /**
   * The release a proxy reports (node metadata {@code ISTIO_VERSION}), or empty. It becomes a metric
   * label, so only a short version-shaped value is taken: a proxy cannot flood the label's values.
   */
  static String proxyVersion(Node node) {
    String v = node.getMetadata().getFieldsOrDefault("ISTIO_VERSION", Value.getDefaultInstance()).getStringValue();
    return VERSION.matcher(v).matches() ? v : "";
  }

  @SuppressWarnings("try") // the scope is there to be closed
  private void onRequest(long streamId, Node node, String kind, String typeUrl, String nonce,
                         String error) {
    StreamState stream = streams.computeIfAbsent(streamId,
        id -> new StreamState(id, node.getId(), grouping.apply(node), kind, proxyVersion(node)));
    String type = TYPE_BY_URL.get(typeUrl);
    if (type == null) {
      return;
    }
    try (LogContext.Scope proxy = LogContext.proxy(stream.nodeId)) {
      switch (stream.answered(type, nonce, error)) {
        case NACK -> {
          rejects.get(type).increment();
          log.warn("{} rejected {} version {} (nonce {}): {}",
              LogSafe.escape(stream.nodeId), type, stream.sentVersion(type), LogSafe.escape(nonce),
              LogSafe.escape(error));
        }
        case ACK -> log.debug("{} acked {} version {} (nonce {})",
            LogSafe.escape(stream.nodeId), type, stream.sentVersion(type), LogSafe.escape(nonce));
        case NONE -> { }
      }
    }
  }

  @SuppressWarnings("try")
  private void onResponse(long streamId, String typeUrl, String version, String nonce) {
    String type = TYPE_BY_URL.get(typeUrl);
    StreamState stream = streams.get(streamId);
    if (type == null || stream == null) {
      return;
    }
    stream.sent(type, version, nonce);
    pushes.get(type).increment();
    // responses go out on push threads, where no request set the proxy
    try (LogContext.Scope proxy = LogContext.proxy(stream.nodeId)) {
      log.debug("{} sent {} version {} (nonce {})", LogSafe.escape(stream.nodeId), type, version, nonce);
    }
  }

  /**
   * Folds the streams of one node (a reconnect overlapping the old stream, or one stream per
   * type without ADS): per type, the newest stream that has sent anything of it wins.
   */
  private static ProxySync merge(List<StreamState> oldestFirst) {
    List<ProxySync> views = oldestFirst.stream().map(StreamState::view).toList();
    ProxySync newest = views.get(views.size() - 1);
    if (views.size() == 1) {
      return newest;
    }
    List<TypeSync> types = new ArrayList<>(newest.types());
    Map<String, String> nonces = new HashMap<>(newest.nonces());
    for (int i = 0; i < types.size(); i++) {
      for (ProxySync view : views) {
        TypeSync t = view.types().get(i);
        if (t.state() != SyncState.NOT_SENT) {
          types.set(i, t);
          nonces.put(t.type(), view.nonces().getOrDefault(t.type(), ""));
        }
      }
    }
    return new ProxySync(newest.nodeId(), newest.group(), newest.streamKind(), types, nonces,
        newest.proxyVersion());
  }

  private static Map<String, LongAdder> counters() {
    Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    TYPES.forEach(type -> counts.put(type, new LongAdder()));
    return Map.copyOf(counts);
  }
}
