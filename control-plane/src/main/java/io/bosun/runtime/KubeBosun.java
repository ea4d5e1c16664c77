package io.bosun.runtime;

import io.bosun.ca.KubeCaStore;
import io.bosun.ca.MeshCa;
import io.bosun.ca.MeshCaServer;
import io.bosun.ca.RootCertPublisher;
import io.bosun.ca.WorkloadCertificates;
import io.bosun.config.ConfigParser;
import io.bosun.identity.KubeSecretAccess;
import io.bosun.identity.ProxyAdmission;
import io.bosun.identity.TokenReviewAuthenticator;
import io.bosun.config.ConfigStore;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.push.Debouncer;
import io.bosun.push.PushController;
import io.bosun.sources.kube.KubeConfigSource;
import io.bosun.sources.kube.Leadership;
import io.bosun.sources.kube.StatusWriter;
import io.bosun.xds.XdsServer;
import io.bosun.xds.auth.XdsSecurity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bosun in a cluster: informers feed the same store, push pipeline and xDS server as standalone
 * mode; the elected leader writes status. Ready once every informer has synced.
 */
public final class KubeBosun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeBosun.class);

  /**
   * Where and how one replica runs.
   *
   * @param plaintextXds whether xDS is also served in plaintext on {@code xdsHost:xdsPort}: anonymous,
   *                     never given Secrets or workload certificates; for trusted networks only
   * @param xdsTlsPort   xDS and certificate signing over TLS (Istio's 15012), where proxies prove
   *                     their identity; 0 turns it (and the mesh CA) off
   */
  public record Options(String xdsHost, int xdsPort, boolean plaintextXds, String xdsTlsHost, int xdsTlsPort,
                        String monitoringHost, int monitoringPort, String leaseNamespace, String identity,
                        Duration leaseDuration, Security security, Map<String, String> extensionSettings,
                        Readiness readiness) {
    public Options {
      extensionSettings = extensionSettings == null ? Map.of() : Map.copyOf(extensionSettings);
      security = security == null ? Security.DEFAULTS : security;
      readiness = readiness == null ? Readiness.NONE : readiness;
    }

    public Options(String xdsHost, int xdsPort, boolean plaintextXds, String xdsTlsHost, int xdsTlsPort,
                   String monitoringHost, int monitoringPort, String leaseNamespace, String identity,
                   Duration leaseDuration, Security security, Map<String, String> extensionSettings) {
      this(xdsHost, xdsPort, plaintextXds, xdsTlsHost, xdsTlsPort, monitoringHost, monitoringPort, leaseNamespace,
          identity, leaseDuration, security, extensionSettings, Readiness.NONE);
    }

    /** Plaintext xDS only (no TLS port, no CA): tests that drive Envoys with a plain bootstrap. */
    public Options(String xdsHost, int xdsPort, String monitoringHost, int monitoringPort, String leaseNamespace,
                   String identity, Duration leaseDuration, Map<String, String> extensionSettings) {
      this(xdsHost, xdsPort, true, xdsHost, 0, monitoringHost, monitoringPort, leaseNamespace, identity,
          leaseDuration, Security.DEFAULTS, extensionSettings);
    }

    public Options(String xdsHost, int xdsPort, String monitoringHost, int monitoringPort, String leaseNamespace,
                   String identity, Duration leaseDuration) {
      this(xdsHost, xdsPort, monitoringHost, monitoringPort, leaseNamespace, identity, leaseDuration, Map.of());
    }
  }

  /**
   * {@code /ready} on a port of its own (Istio's 8080; -1: none), and whether the debug pages
   * answer callers that are not on loopback.
   */
  public record Readiness(String host, int port, boolean exposeDebug) {
    public static final Readiness NONE = new Readiness("127.0.0.1", -1, false);
  }

  /**
   * How workloads prove who they are and what they get.
   *
   * @param serviceName     the Service proxies reach Bosun by (names on the 15012 certificate)
   * @param tokenAudiences  audiences a service-account token must carry (the first is what injection asks for)
   * @param workloadCertTtl lifetime of workload certificates (renewed at half)
   * @param rootValidity    lifetime of a self-signed root Bosun creates
   */
  public record Security(String serviceName, List<String> tokenAudiences, Duration workloadCertTtl,
                         Duration rootValidity, int streamsPerClient, int groupsPerClient) {
    public static final Security DEFAULTS = new Security("bosun", List.of("istio-ca"), Duration.ofHours(24),
        Duration.ofDays(3650), XdsSecurity.DEFAULT_STREAMS_PER_PRINCIPAL, XdsSecurity.DEFAULT_GROUPS_PER_PRINCIPAL);

    public Security {
      tokenAudiences = List.copyOf(tokenAudiences);
    }
  }

  /** The extensions on the class path (the admission webhooks, when the injector module is there). */
  public static List<KubeExtension> extensions() {
    List<KubeExtension> out = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(KubeExtension.class).forEach(out::add);
    return out;
  }

  private final List<AutoCloseable> started = new java.util.ArrayList<>();
  private volatile boolean closed;

  private final KubernetesClient client;
  private final ConfigStore store = new ConfigStore();
  private final KubeConfigSource source;
  private final PushController push;
  private final XdsServer xds;
  private final MonitoringServer monitoring;
  private final Leadership leadership;
  private final ScheduledExecutorService statusExecutor;
  private final MeshCa ca = new MeshCa();
  private final MeshCaServer caServer;

  private KubeBosun(KubernetesClient client, Options options) throws IOException {
    this.client = client;
    Security id = options.security();
    source = new KubeConfigSource(client, new ConfigParser(), store, options.leaseNamespace());
    WorkloadCertificates certificates = new WorkloadCertificates(ca, id.workloadCertTtl(), Clock.systemUTC());
    push = new PushController(store, source::synced, new KubeSecretAccess(client), certificates);
    XdsSecurity security = new XdsSecurity(
        new TokenReviewAuthenticator(client, id.tokenAudiences(), () -> store.mesh().trustDomain()),
        new ProxyAdmission(store::pod, () -> store.mesh().trustDomain(), false),
        id.streamsPerClient(), id.groupsPerClient(), XdsSecurity.DEFAULT_IDLE_TIMEOUT);
    xds = new XdsServer(options.plaintextXds() ? new InetSocketAddress(options.xdsHost(), options.xdsPort()) : null,
        push::groupOf, push::onNewGroup, security);
    push.attach(xds);
    xds.start();

    statusExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "status");
      t.setDaemon(true);
      return t;
    });
    StatusWriter status = new StatusWriter(client, source, store, this::isLeader);
    Runnable syncStatus = () -> {
      try {
        if (source.synced()) {
          status.sync();
        }
      } catch (RuntimeException e) {
        LOG.warn("status sync failed, retrying later", e);
      }
    };
    Debouncer statusDebouncer = new Debouncer(statusExecutor, 200, 5_000, syncStatus);
    store.addListener(statusDebouncer::trigger);
    // Retries failed writes and catches up after leadership changes or an API server outage.
    statusExecutor.scheduleWithFixedDelay(syncStatus, 30, 30, TimeUnit.SECONDS);

    leadership = new Leadership(client, options.leaseNamespace(), options.identity(), options.leaseDuration(),
        statusDebouncer::trigger);
    DebugPages pages = new DebugPages(store, xds, push);
    Readiness r = options.readiness();
    monitoring = new MonitoringServer(new MonitoringServer.Settings(
        new InetSocketAddress(options.monitoringHost(), options.monitoringPort()),
        r.port() < 0 ? null : new InetSocketAddress(r.host(), r.port()), r.exposeDebug()),
        this::ready, pages::metrics, pages::configz, pages::syncz).start();

    source.start();
    statusExecutor.execute(() -> awaitSync(statusDebouncer));
    leadership.start();
    if (options.xdsTlsPort() > 0) {
      String ns = options.leaseNamespace();
      String svc = id.serviceName();
      caServer = new MeshCaServer(ca,
          new KubeCaStore(client, ns, () -> store.mesh().trustDomain(), id.rootValidity(), Clock.systemUTC()),
          new RootCertPublisher(client, () -> ca.current().rootsPem()), xds,
          new MeshCaServer.Settings(new InetSocketAddress(options.xdsTlsHost(), options.xdsTlsPort()),
              List.of(svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local", svc + "." + ns, svc,
                  "istiod." + ns + ".svc"),
              id.workloadCertTtl(), id.workloadCertTtl().multipliedBy(4)),
          this::isLeader).start();
    } else {
      caServer = null;
    }
    // extensions (the webhooks) need the API server; they start in the background, retrying,
    // so xDS never waits for them and an API server outage at start-up delays only them
    for (KubeExtension ext : extensions()) {
      Thread t = new Thread(() -> startExtension(ext, options), "start-" + ext.getClass().getSimpleName());
      t.setDaemon(true);
      t.start();
    }
    LOG.info("kubernetes mode: {} on {}, xDS {}, TLS xDS {}, monitoring on port {}, lease {}/{}",
        options.identity(), client.getMasterUrl(),
        options.plaintextXds() ? "in plaintext on port " + xds.port() : "in plaintext off",
        options.xdsTlsPort() > 0 ? "on port " + options.xdsTlsPort() : "off", monitoring.port(),
        options.leaseNamespace(), Leadership.LEASE);
  }

  private void startExtension(KubeExtension ext, Options options) {
    for (int attempt = 1; !closed; attempt++) {
      try {
        AutoCloseable c = ext.start(client, new ConfigParser(), options.leaseNamespace(), options.extensionSettings(),
            this::isLeader, xds);
        synchronized (started) {
          if (closed) {
            c.close();
          } else {
            started.add(c);
          }
        }
        return;
      } catch (Exception e) {
        // loud, because admission (and so pod creation) depends on it; retried until it works
        LOG.error("{} failed to start (attempt {}); retrying in 5 s", ext.getClass().getSimpleName(), attempt, e);
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  public static KubeBosun start(KubernetesClient client, Options options) throws IOException {
    return new KubeBosun(client, options);
  }

  private void awaitSync(Debouncer statusDebouncer) {
    while (!source.synced()) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
    LOG.info("informers synced: {} resources, {} problems; serving config", store.entries().size(),
        store.problems().size());
    push.requestPush();
    statusDebouncer.trigger();
  }

  public boolean isLeader() {
    return leadership != null && leadership.isLeader();
  }

  /** Informers synced and, when 15012 is on, the CA loaded and 15012 serving. */
  public boolean ready() {
    return source.synced() && (caServer == null || caServer.ready());
  }

  public int xdsPort() {
    return xds.port();
  }

  /** The TLS port (15012) once serving; throws before. */
  public int xdsTlsPort() {
    return xds.tlsPort(0);
  }

  public MeshCa ca() {
    return ca;
  }

  public int monitoringPort() {
    return monitoring.port();
  }

  public int readinessPort() {
    return monitoring.readinessPort();
  }

  public ConfigStore store() {
    return store;
  }

  public XdsServer xds() {
    return xds;
  }

  @Override
  public void close() {
    synchronized (started) {
      closed = true;
      for (AutoCloseable c : started) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("error while stopping {}", c, e);
        }
      }
    }
    // releasing the lease is a call to the API server; if it hangs, shutdown must not (finding 24):
    // an unreleased lease simply expires
    bounded("lease release", leadership::close, Duration.ofSeconds(2));
    statusExecutor.shutdownNow();
    if (caServer != null) {
      caServer.close();
    }
    source.close();
    monitoring.close();
    xds.close();
    push.close();
    bounded("API client close", client::close, Duration.ofSeconds(2));
  }

  /** Runs {@code step} for at most {@code limit}, then gives up on it (a daemon thread finishes it or not). */
  private static void bounded(String what, Runnable step, Duration limit) {
    Thread t = new Thread(() -> {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.warn("{} failed: {}", what, e.toString());
      }
    }, "shutdown-" + what.replace(' ', '-'));
    t.setDaemon(true);
    t.start();
    try {
      t.join(limit.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      LOG.warn("{} did not finish within {} s (is the API server reachable?); shutting down without it", what,
          limit.toSeconds());
    }
  }
}
