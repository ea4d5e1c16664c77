package io.bosun.bench;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A simulated Envoy on one ADS stream, state of the world or delta, subscribing as Envoy does:
 * clusters and listeners first, then the endpoint assignments its EDS clusters name and the
 * route tables its listeners name; it ACKs every response. It keeps what a check needs (names,
 * endpoint counts, route tables' versions, counters) and when each type last arrived after a
 * mark, not the resources themselves.
 */
final class SimProxy {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final List<String> TYPES = List.of(CDS, EDS, LDS, RDS);
  private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sim-proxy-retry");
    t.setDaemon(true);
    return t;
  });

  /** Per type: what this proxy has seen. */
  static final class Seen {
    long responses;
    long bytes;
    long resources;
    String version = "";
    /** nanoTime the first response after the current mark was ACKed; 0 if none yet. */
    long ackedAfterMark;
  }

  private final Node node;
  private final boolean delta;
  private final Map<String, Seen> seen = new HashMap<>();
  private final Map<String, Integer> endpoints = new HashMap<>();
  /** Per route table: each virtual host's first domain and its first route's first weight (-1: not split). */
  private final Map<String, Map<String, Integer>> routes = new HashMap<>();
  private Set<String> clusters = Set.of();
  private Set<String> edsNames = new TreeSet<>();
  private Set<String> rdsNames = new TreeSet<>();
  private final Map<String, String> nonces = new HashMap<>();
  private long mark;
  private StreamObserver<DiscoveryRequest> sotw;
  private StreamObserver<DeltaDiscoveryRequest> deltaStream;
  private volatile Throwable error;
  private Channel channel;
  private int retries;

  SimProxy(Node node, boolean delta) {
    this.node = node;
    this.delta = delta;
    TYPES.forEach(t -> seen.put(t, new Seen()));
  }

  String id() {
    return node.getId();
  }

  String namespace() {
    return node.getMetadata().getFieldsOrThrow("NAMESPACE").getStringValue();
  }

  synchronized void connect(Channel channel) {
    this.channel = channel;
    open();
  }

  private synchronized void open() {
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (delta) {
      deltaStream = stub.deltaAggregatedResources(observer(this::onDelta));
      deltaStream.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      deltaStream.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    } else {
      sotw = stub.streamAggregatedResources(observer(this::onSotw));
      sotw.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      sotw.onNext(DiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    }
  }

  /**
   * A stream refused before it carried anything (istiod's admission rate limit answers
   * RESOURCE_EXHAUSTED) is opened again after a backoff, as Envoy does; anything else is an error.
   */
  private synchronized boolean retry(Throwable t) {
    boolean refused = Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED;
    boolean fresh = seen.values().stream().allMatch(s -> s.responses == 0);
    if (!refused || !fresh || retries >= 50) {
      return false;
    }
    retries++;
    long cap = Math.min(5_000, 250L << Math.min(retries, 5)); // exponential with jitter, like Envoy's
    RETRIES.schedule(this::open, cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2), TimeUnit.MILLISECONDS);
    return true;
  }

  /** How many times the stream was refused and opened again. */
  synchronized int retries() {
    return retries;
  }

  private <T> StreamObserver<T> observer(Consumer<T> onNext) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        try {
          onNext.accept(value);
        } catch (RuntimeException e) {
          error = e;
        }
      }

      @Override
      public void onError(Throwable t) {
        if (!retry(t)) {
          error = t;
        }
      }

      @Override
      public void onCompleted() {
        error = new IllegalStateException("stream completed by the server");
      }
    };
  }

  /** From now on, record when each type next arrives. */
  synchronized void mark(long nanos) {
    mark = nanos;
    seen.values().forEach(s -> s.ackedAfterMark = 0);
  }

  synchronized Map<String, Seen> seen() {
    Map<String, Seen> copy = new HashMap<>();
    seen.forEach((t, s) -> {
      Seen c = new Seen();
      c.responses = s.responses;
      c.bytes = s.bytes;
      c.resources = s.resources;
      c.version = s.version;
      c.ackedAfterMark = s.ackedAfterMark;
      copy.put(t, c);
    });
    return copy;
  }

  synchronized Set<String> clusters() {
    return Set.copyOf(clusters);
  }

  synchronized Map<String, Integer> endpoints() {
    return Map.copyOf(endpoints);
  }

  /** The route table's splits by host, or null if the proxy does not hold it. */
  synchronized Map<String, Integer> splits(String routeTable) {
    return routes.get(routeTable);
  }

  /** Subscribed to everything its clusters and listeners name, and holding all of it. */
  synchronized boolean complete() {
    return !clusters.isEmpty() && endpoints.keySet().containsAll(edsNames) && routes.keySet().containsAll(rdsNames);
  }

  Throwable error() {
    return error;
  }

  private synchronized void onSotw(DiscoveryResponse r) {
    String type = r.getTypeUrl();
    count(type, r.getSerializedSize(), r.getResourcesCount(), r.getVersionInfo());
    switch (type) {
      case CDS -> clusters(unpack(r.getResourcesList(), Cluster.class));
      case LDS -> listeners(unpack(r.getResourcesList(), Listener.class));
      case EDS -> unpack(r.getResourcesList(), ClusterLoadAssignment.class).forEach(this::assignment);
      case RDS -> unpack(r.getResourcesList(), RouteConfiguration.class).forEach(this::routeTable);
      default -> { }
    }
    nonces.put(type, r.getNonce());
    Set<String> names = type.equals(EDS) ? edsNames : type.equals(RDS) ? rdsNames : Set.of();
    sotw.onNext(DiscoveryRequest.newBuilder().setTypeUrl(type).setVersionInfo(r.getVersionInfo())
        .setResponseNonce(r.getNonce()).addAllResourceNames(names).build());
    acked(type);
  }

  private synchronized void onDelta(DeltaDiscoveryResponse r) {
    String type = r.getTypeUrl();
    count(type, r.getSerializedSize(), r.getResourcesCount(), r.getSystemVersionInfo());
    List<Any> any = r.getResourcesList().stream().map(Resource::getResource).toList();
    switch (type) {
      case CDS -> {
        Set<String> next = new TreeSet<>(clusters);
        next.removeAll(r.getRemovedResourcesList());
        List<Cluster> added = unpack(any, Cluster.class);
        added.forEach(c -> next.add(c.getName()));
        deltaClusters(next, added);
      }
      case LDS -> listeners(unpack(any, Listener.class));
      case EDS -> {
        unpack(any, ClusterLoadAssignment.class).forEach(this::assignment);
        r.getRemovedResourcesList().forEach(endpoints::remove);
      }
      case RDS -> unpack(any, RouteConfiguration.class).forEach(this::routeTable);
      default -> { }
    }
    deltaStream.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(r.getNonce()).build());
    acked(type);
  }

  private void count(String type, int bytes, int resources, String version) {
    Seen s = seen.get(type);
    s.responses++;
    s.bytes += bytes;
    s.resources += resources;
    s.version = version;
  }

  private void acked(String type) {
    Seen s = seen.get(type);
    if (mark != 0 && s.ackedAfterMark == 0) {
      s.ackedAfterMark = System.nanoTime();
    }
  }

  private void routeTable(RouteConfiguration rc) {
    Map<String, Integer> splits = new HashMap<>();
    for (VirtualHost vh : rc.getVirtualHostsList()) {
      int weight = -1;
      if (vh.getRoutesCount() > 0 && vh.getRoutes(0).getRoute().hasWeightedClusters()) {
        weight = vh.getRoutes(0).getRoute().getWeightedClusters().getClusters(0).getWeight().getValue();
      }
      splits.put(vh.getDomains(0), weight);
    }
    routes.put(rc.getName(), splits);
  }

  private void assignment(ClusterLoadAssignment cla) {
    endpoints.put(cla.getClusterName(), cla.getEndpointsList().stream().mapToInt(e -> e.getLbEndpointsCount()).sum());
  }

  /** State of the world: the response is every cluster; subscribe to the EDS ones' assignments. */
  private void clusters(List<Cluster> all) {
    Set<String> names = new TreeSet<>();
    Set<String> eds = new TreeSet<>();
    for (Cluster c : all) {
      names.add(c.getName());
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        eds.add(c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
            : c.getEdsClusterConfig().getServiceName());
      }
    }
    clusters = names;
    endpoints.keySet().retainAll(eds);
    if (!eds.equals(edsNames)) {
      edsNames = eds;
      sotw.onNext(DiscoveryRequest.newBuilder().setTypeUrl(EDS).setVersionInfo(seen.get(EDS).version)
          .setResponseNonce(nonces.getOrDefault(EDS, "")).addAllResourceNames(eds).build());
    }
  }

  private void deltaClusters(Set<String> names, List<Cluster> added) {
    clusters = names;
    Set<String> eds = new TreeSet<>(edsNames);
    eds.retainAll(names);
    List<String> subscribe = new ArrayList<>();
    for (Cluster c : added) {
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        String n = c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
            : c.getEdsClusterConfig().getServiceName();
        if (eds.add(n)) {
          subscribe.add(n);
        }
      }
    }
    List<String> unsubscribe = edsNames.stream().filter(n -> !eds.contains(n)).toList();
    edsNames = eds;
    if (!subscribe.isEmpty() || !unsubscribe.isEmpty()) {
      deltaStream.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addAllResourceNamesSubscribe(subscribe)
          .addAllResourceNamesUnsubscribe(unsubscribe).build());
    }
  }

  private void listeners(List<Listener> all) {
    Set<String> names = new TreeSet<>();
    for (Listener l : all) {
      List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
      if (l.hasDefaultFilterChain()) {
        chains.add(l.getDefaultFilterChain());
      }
      for (FilterChain fc : chains) {
        for (Filter f : fc.getFiltersList()) {
          if (f.getTypedConfig().is(HttpConnectionManager.class)) {
            HttpConnectionManager hcm = unpack(f.getTypedConfig(), HttpConnectionManager.class);
            if (hcm.hasRds()) {
              names.add(hcm.getRds().getRouteConfigName());
            }
          }
        }
      }
    }
    if (delta) {
      List<String> subscribe = names.stream().filter(n -> !rdsNames.contains(n)).toList();
      if (!subscribe.isEmpty()) {
        deltaStream.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(RDS).addAllResourceNamesSubscribe(subscribe)
            .build());
      }
      rdsNames = names;
    } else if (!names.equals(rdsNames)) {
      rdsNames = names;
      sotw.onNext(DiscoveryRequest.newBuilder().setTypeUrl(RDS).setVersionInfo(seen.get(RDS).version)
          .setResponseNonce(nonces.getOrDefault(RDS, "")).addAllResourceNames(names).build());
    }
    routes.keySet().retainAll(names);
  }

  private static <T extends Message> List<T> unpack(List<Any> any, Class<T> type) {
    return any.stream().map(a -> unpack(a, type)).toList();
  }

  /**
   * Resources parsed so far, by their bytes: Bosun sends the same bytes to every proxy of a
   * variant, so the fleet parses each once (an Envoy parses its own, in C++; here the fleet shares
   * the machine with Bosun and must stay cheap).
   */
  private static final Map<Any, Message> PARSED = new ConcurrentHashMap<>();

  @SuppressWarnings("unchecked")
  private static <T extends Message> T unpack(Any any, Class<T> type) {
    Message cached = PARSED.get(any);
    if (cached != null) {
      return (T) cached;
    }
    try {
      T parsed = any.unpack(type);
      if (PARSED.size() > 100_000) {
        PARSED.clear();
      }
      PARSED.put(any, parsed);
      return parsed;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot unpack " + any.getTypeUrl(), e);
    }
  }
}
