package io.bosun.xds;

import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Envoy v3 xDS (ADS state-of-the-world and delta, plus CDS/EDS/LDS/RDS) from resources
 * the caller computes per proxy group. Knows nothing about where those resources come from.
 */
public final class XdsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);

  private final ServerBuilder<?> builder;
  private final ProxyGroups groups;
  private final SyncTracker tracker;
  private final V3DiscoveryServer discovery;
  private final ProxyStreamInterceptor interceptor;
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private List<ServerServiceDefinition> services = List.of();
  private final List<Server> tlsServers = new java.util.ArrayList<>();

  /** Listens on all interfaces; port 0 picks a free one (see {@link #port()}). */
  public XdsServer(int port, ProxyGrouping grouping, NewGroupListener listener) {
    this(new InetSocketAddress(port), grouping, listener);
  }

  public XdsServer(InetSocketAddress address, ProxyGrouping grouping, NewGroupListener listener) {
    this(nettyBuilder(address), grouping, listener);
  }

  /** For tests: any transport, e.g. in-process. */
  XdsServer(ServerBuilder<?> builder, ProxyGrouping grouping, NewGroupListener listener) {
    Objects.requireNonNull(grouping, "grouping");
    Objects.requireNonNull(listener, "listener");
    this.builder = builder;
    SimpleCache<String> cache = new SimpleCache<>(grouping::groupOf);
    this.groups = new ProxyGroups(cache);
    this.tracker = new SyncTracker(grouping::groupOf);
    this.discovery = new V3DiscoveryServer(List.of(tracker), new LenientWatcher(cache));
    this.interceptor = new ProxyStreamInterceptor(grouping, listener, groups);
  }

  public synchronized XdsServer start() throws IOException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    services = List.of(
        intercepted(discovery.getAggregatedDiscoveryServiceImpl()),
        intercepted(discovery.getClusterDiscoveryServiceImpl()),
        intercepted(discovery.getEndpointDiscoveryServiceImpl()),
        intercepted(discovery.getListenerDiscoveryServiceImpl()),
        intercepted(discovery.getRouteDiscoveryServiceImpl()),
        health.getHealthService().bindService());
    services.forEach(builder::addService);
    server = builder.build().start();
    health.setStatus(AggregatedDiscoveryServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("xDS server listening on port {}", server.getPort());
    return this;
  }

  /**
   * Also serves the same xDS over TLS on {@code address} (Istio's 15012), presenting whatever
   * certificate {@code keys} holds at each handshake, so a renewed certificate needs no restart.
   * Returns the bound port.
   */
  public synchronized int startTls(InetSocketAddress address, X509KeyManager keys) throws IOException {
    if (server == null) {
      throw new IllegalStateException("start() the plaintext server first");
    }
    SslContext ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(keys)).build();
    NettyServerBuilder b = nettyBuilder(address).sslContext(ssl);
    services.forEach(b::addService);
    Server tls = b.build().start();
    tlsServers.add(tls);
    log.info("xDS server listening with TLS on port {}", tls.getPort());
    return tls.getPort();
  }

  /** The bound port; -1 for an in-process server. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.getPort();
  }

  /**
   * Sets the group's resources. Returns true if any type's version changed, which pushes the
   * changed types to the group's proxies; false (and nothing is pushed) if all are unchanged.
   *
   * <p>java-control-plane answers a state-of-the-world ADS request for named resources (EDS,
   * RDS) only when every requested name is present, so include a ClusterLoadAssignment (empty
   * if need be) for every EDS cluster and a RouteConfiguration for every RDS name referenced.
   * Resources of a group that has no stream stay until one of its streams opens and closes.
   */
  public boolean setResources(String group, XdsResources resources) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(resources, "resources");
    return groups.publish(group, resources);
  }

  public Optional<XdsResources> resources(String group) {
    return groups.resources(group);
  }

  /** Groups with at least one open stream. */
  public Set<String> connectedGroups() {
    return groups.connected();
  }

  public SyncTracker syncTracker() {
    return tracker;
  }

  /**
   * Cancels open streams at once, since xDS streams never end by themselves and a graceful
   * drain would only wait; Envoy reconnects elsewhere. Then waits up to 5 s for handlers.
   */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    health.enterTerminalState();
    tlsServers.forEach(Server::shutdownNow);
    server.shutdownNow();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("xDS server did not terminate within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("xDS server stopped");
  }

  private ServerServiceDefinition intercepted(BindableService service) {
    return ServerInterceptors.intercept(service, interceptor);
  }

  private static NettyServerBuilder nettyBuilder(InetSocketAddress address) {
    return NettyServerBuilder.forAddress(address)
        // Envoy bootstraps commonly ping every 30 s; the 5 min default would GOAWAY them.
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        // Find dead proxies (and free their groups) without waiting for TCP timeouts.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS);
  }
}
