package io.bosun.xds;

import io.bosun.resources.XdsResources;
import io.bosun.xds.auth.Authenticator;
import io.bosun.xds.auth.CallerInterceptor;
import io.bosun.xds.auth.XdsSecurity;
import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.controlplane.server.serializer.CachedProtoResourcesSerializer;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves Envoy v3 xDS (ADS state-of-the-world and delta, plus CDS/EDS/LDS/RDS) from resources
 * the caller computes per proxy group. Knows nothing about where those resources come from.
 */
public final class XdsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);

  static final int MAX_CALLS_PER_CONNECTION = 128;

  static {
    TransportLog.install();
  }

  private final ServerBuilder<?> builder;  // null: no plaintext port
  private final XdsCache xdsCache;
  private final V3DiscoveryServer discovery;
  private final SendExecutors sends = new SendExecutors();
  private final ScheduledExecutorService pacingTimer = SendPacing.newTimer();
  private final SendPacing pacing = SendPacing.forHeap(pacingTimer);
  private final ProxyStreamInterceptor interceptor;
  private final XdsSecurity security;
  private final Map<String, AtomicInteger> openCalls = CallerInterceptor.newCounters();
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private boolean started;
  private boolean closed;
  private final List<Server> tlsServers = new ArrayList<>();

  /** Listens on all interfaces; port 0 picks a free one (see {@link #port()}). Callers are not authenticated. */
  public XdsServer(int port, ProxyGrouping grouping, NewGroupListener listener) {
    this(new InetSocketAddress(port), grouping, listener);
  }

  public XdsServer(InetSocketAddress address, ProxyGrouping grouping, NewGroupListener listener) {
    this(address, new XdsCache(grouping), listener, XdsSecurity.open());
  }

  /**
   * Serves {@code cache} on {@code address} in plaintext (null: no plaintext port, only
   * {@link #startTls}); callers there are anonymous. {@code listener} hears of a group's first
   * stream, so the pipeline can compute its config at once.
   */
  public XdsServer(InetSocketAddress address, XdsCache cache, NewGroupListener listener, XdsSecurity security) {
    this(address == null ? null : nettyBuilder(address, security), cache, listener, security);
  }

  /** For tests: any transport, e.g. in-process. */
  XdsServer(ServerBuilder<?> builder, ProxyGrouping grouping, NewGroupListener listener) {
    this(builder, new XdsCache(grouping), listener, XdsSecurity.open());
  }

  XdsServer(ServerBuilder<?> builder, ProxyGrouping grouping, NewGroupListener listener, XdsSecurity security) {
    this(builder, new XdsCache(grouping), listener, security);
  }

  XdsServer(ServerBuilder<?> builder, XdsCache cache, NewGroupListener listener, XdsSecurity security) {
    Objects.requireNonNull(listener, "listener");
    this.builder = builder;
    this.security = Objects.requireNonNull(security, "security");
    this.xdsCache = Objects.requireNonNull(cache, "cache");
    LenientWatcher watcher = new LenientWatcher(cache.cache());
    // proxies share resource instances, so each is packed into an Any once, not once per proxy
    this.discovery = new V3DiscoveryServer(List.of(cache.syncTracker(), watcher), watcher, sends,
        new CachedProtoResourcesSerializer());
    this.interceptor = new ProxyStreamInterceptor(new StreamRules(cache.grouping(), listener, cache.groups(),
        security.admission(), security.groupsPerPrincipal()));
  }

  /** Starts the plaintext port (if there is one). Its callers are anonymous: credentials on it are ignored. */
  public synchronized XdsServer start() throws IOException {
    return start(false, false);
  }

  /**
   * For tests on an in-process transport (private to this machine, like TLS): its callers are
   * authenticated as on the TLS port, anonymous ones refused when {@code requireIdentity}.
   */
  synchronized XdsServer startAuthenticated(boolean requireIdentity) throws IOException {
    return start(true, requireIdentity);
  }

  private XdsServer start(boolean authenticate, boolean requireIdentity) throws IOException {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    health.setStatus(AggregatedDiscoveryServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    if (builder == null) {
      log.info("xDS: no plaintext port");
      return this;
    }
    // plaintext proves nothing: a token sent on it could have been read (or replayed) on the way,
    // so its callers are anonymous whatever they present
    services(authenticate ? security.authenticator() : Authenticator.ANONYMOUS, requireIdentity, List.of())
        .forEach(builder::addService);
    server = builder.build().start();
    log.info("xDS server listening on port {} (plaintext)", server.getPort());
    return this;
  }

  /**
   * Also serves xDS over TLS on {@code address} (Istio's 15012), presenting whatever certificate
   * {@code keys} holds at each handshake, so a renewed certificate needs no restart. With a
   * {@code clientTrust}, a client certificate it verifies is a credential too (optional: token
   * callers present none). With {@code requireIdentity}, anonymous callers are refused.
   * {@code extra} services (e.g. certificate signing) are served on this port only, behind the
   * same authentication. Returns the bound port.
   */
  public synchronized int startTls(InetSocketAddress address, X509KeyManager keys, X509TrustManager clientTrust,
                                   boolean requireIdentity, List<ServerServiceDefinition> extra) throws IOException {
    if (!started) {
      throw new IllegalStateException("start() the server first");
    }
    SslContextBuilder ssl = SslContextBuilder.forServer(keys);
    if (clientTrust != null) {
      ssl.trustManager(clientTrust).clientAuth(ClientAuth.OPTIONAL);
    }
    SslContext context = GrpcSslContexts.configure(ssl).build();
    NettyServerBuilder b = nettyBuilder(address, security).sslContext(context)
        // a client that opens TLS and never finishes the handshake is dropped
        .handshakeTimeout(10, TimeUnit.SECONDS);
    services(security.authenticator(), requireIdentity, extra).forEach(b::addService);
    Server tls = b.build().start();
    tlsServers.add(tls);
    log.info("xDS server listening with TLS on port {}{}", tls.getPort(),
        requireIdentity ? " (callers must prove a workload identity)" : "");
    return tls.getPort();
  }

  /** Without client certificates or extra services, open to anonymous callers (tests, trusted networks). */
  public int startTls(InetSocketAddress address, X509KeyManager keys) throws IOException {
    return startTls(address, keys, null, false, List.of());
  }

  /** The plaintext port; -1 for an in-process server. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException(started ? "no plaintext port" : "not started");
    }
    return server.getPort();
  }

  /** The port of the {@code index}th TLS listener started. */
  public synchronized int tlsPort(int index) {
    return tlsServers.get(index).getPort();
  }

  /** {@link XdsCache#publish}: for tests and callers that hold only the server. */
  public boolean setResources(String group, XdsResources resources) {
    return xdsCache.publish(group, resources);
  }

  public Optional<XdsResources> resources(String group) {
    return xdsCache.resources(group);
  }

  /** Groups with at least one open stream. */
  public Set<String> connectedGroups() {
    return xdsCache.connectedGroups();
  }

  public SyncTracker syncTracker() {
    return xdsCache.syncTracker();
  }

  public XdsCache cache() {
    return xdsCache;
  }

  /**
   * Cancels open streams at once, since xDS streams never end by themselves and a graceful
   * drain would only wait; Envoy reconnects elsewhere. Then waits up to 5 s for handlers.
   */
  @Override
  public synchronized void close() {
    if (!started || closed) {
      return;
    }
    closed = true;
    health.enterTerminalState();
    List<Server> all = new ArrayList<>(tlsServers);
    if (server != null) {
      all.add(server);
    }
    all.forEach(Server::shutdownNow);
    try {
      for (Server s : all) {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          log.warn("xDS server did not terminate within 5 s");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sends.close();
    pacingTimer.shutdownNow();
    log.info("xDS server stopped");
  }

  /** Every service of one port, each behind caller authentication (outermost) and the stream binding. */
  private List<ServerServiceDefinition> services(Authenticator authenticator, boolean requireIdentity,
                                                 List<ServerServiceDefinition> extra) {
    CallerInterceptor callers = new CallerInterceptor(authenticator, requireIdentity,
        security.streamsPerPrincipal(), openCalls);
    List<ServerServiceDefinition> out = new ArrayList<>();
    for (BindableService s : List.of(discovery.getAggregatedDiscoveryServiceImpl(),
        discovery.getClusterDiscoveryServiceImpl(), discovery.getEndpointDiscoveryServiceImpl(),
        discovery.getListenerDiscoveryServiceImpl(), discovery.getRouteDiscoveryServiceImpl())) {
      // the last interceptor given runs first
      out.add(ServerInterceptors.intercept(s, pacing, interceptor, callers));
    }
    extra.forEach(e -> out.add(ServerInterceptors.intercept(e, callers)));
    out.add(health.getHealthService().bindService());
    return out;
  }

  private static NettyServerBuilder nettyBuilder(InetSocketAddress address, XdsSecurity security) {
    return NettyServerBuilder.forAddress(address)
        // connections that carry no call (half-open probes, idle scanners) are closed
        .maxConnectionIdle(security.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // a proxy needs one ADS stream; more on one connection is a client piling up calls
        .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
        // Envoy bootstraps commonly ping every 30 s; the 5 min default would GOAWAY them.
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        // Find dead proxies (and free their groups) without waiting for TCP timeouts.
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS);
  }
}
