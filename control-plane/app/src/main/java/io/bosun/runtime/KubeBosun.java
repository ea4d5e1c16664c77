package io.bosun.runtime;

import io.bosun.ca.MeshCa;
import io.bosun.ca.WorkloadCertificates;
import io.bosun.ca.kube.KubeCaStore;
import io.bosun.ca.kube.MeshCaServer;
import io.bosun.ca.kube.RootCertPublisher;
import io.bosun.concurrent.DaemonThreads;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.identity.ProxyAdmission;
import io.bosun.identity.kube.KubeSecretAccess;
import io.bosun.identity.kube.TokenReviewAuthenticator;
import io.bosun.monitoring.BuildInfo;
import io.bosun.monitoring.MicrometerMetrics;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.sources.kube.KubeConfigSource;
import io.bosun.status.Leadership;
import io.bosun.status.StatusSink;
import io.bosun.webhook.AdmissionWebhooks;
import io.bosun.xds.auth.XdsSecurity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bosun in a cluster: informers feed the same store and {@link Pipeline} as standalone mode; the
 * mesh CA serves 15012; the admission webhooks run beside; the elected leader writes status. Ready
 * once every informer has synced (and, with 15012 on, the CA is loaded).
 */
public final class KubeBosun implements RunningBosun {
  private static final Logger LOG = LoggerFactory.getLogger(KubeBosun.class);

  /**
   * Where and how one replica runs.
   *
   * @param webhooks the admission webhooks; null runs none (tests that exercise xDS only)
   */
  public record Options(Xds xds, Monitoring monitoring, Lease lease, Security security,
                        AdmissionWebhooks.Settings webhooks) {
    /**
     * Everything on loopback with ephemeral ports, plaintext xDS on (tests drive Envoys with a plain
     * bootstrap), no TLS port, no readiness port, no webhooks.
     */
    public static Options local(String identity) {
      return new Options(new Xds("127.0.0.1", 0, true, "127.0.0.1", 0),
          new Monitoring("127.0.0.1", 0, "127.0.0.1", -1, false),
          new Lease("istio-system", identity, Duration.ofSeconds(5)), Security.DEFAULTS, null);
    }

    public Options withXds(Xds value) {
      return new Options(value, monitoring, lease, security, webhooks);
    }

    public Options withSecurity(Security value) {
      return new Options(xds, monitoring, lease, value, webhooks);
    }

    public Options withWebhooks(AdmissionWebhooks.Settings value) {
      return new Options(xds, monitoring, lease, security, value);
    }
  }

  /**
   * xDS: TLS (Istio's 15012; 0 turns it and the mesh CA off) where proxies prove their identity,
   * and plaintext ({@code plaintext}: on), anonymous and never given Secrets, for trusted networks.
   */
  public record Xds(String host, int port, boolean plaintext, String tlsHost, int tlsPort) {
  }

  /**
   * The monitoring port, {@code /ready} alone on a port of its own (Istio's 8080; -1: none), and
   * whether the debug pages answer callers that are not on loopback.
   */
  public record Monitoring(String host, int port, String readinessHost, int readinessPort, boolean exposeDebug) {
  }

  /** Leader election for status writing. */
  public record Lease(String namespace, String identity, Duration duration) {
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

  private final KubernetesClient client;
  private final Options options;
  private final ConfigStore store = new ConfigStore();
  private final KubeConfigSource source;
  private final Pipeline pipeline;
  private final MonitoringServer monitoring;
  private final MicrometerMetrics metrics = new MicrometerMetrics(BuildInfo.version());
  private final StatusSink status;
  private final MeshCa ca = new MeshCa();
  private final MeshCaServer caServer;
  private final Thread webhookStarter;
  private volatile AutoCloseable webhooks;
  private volatile boolean closed;

  private KubeBosun(KubernetesClient client, Options options) throws IOException {
    this.client = client;
    this.options = options;
    Security id = options.security();
    String ns = options.lease().namespace();
    source = new KubeConfigSource(client, new ConfigParser(), store, ns, metrics);
    XdsSecurity security = new XdsSecurity(
        new TokenReviewAuthenticator(client, id.tokenAudiences(), () -> store.mesh().trustDomain()),
        new ProxyAdmission(store::pod, store::workloadEntry, () -> store.mesh().trustDomain(), false),
        id.streamsPerClient(), id.groupsPerClient(), XdsSecurity.DEFAULT_IDLE_TIMEOUT);
    Xds xds = options.xds();
    pipeline = new Pipeline(store, source::synced, new KubeSecretAccess(client),
        new WorkloadCertificates(ca, id.workloadCertTtl(), Clock.systemUTC()),
        xds.plaintext() ? new InetSocketAddress(xds.host(), xds.port()) : null, security, metrics).start();
    status = new StatusSink(client, store, source::synced, source::get, ns, options.lease().identity(),
        options.lease().duration());
    DebugPages pages = new DebugPages(pipeline);
    pages.bind(metrics);
    Monitoring m = options.monitoring();
    monitoring = new MonitoringServer(new MonitoringServer.Settings(new InetSocketAddress(m.host(), m.port()),
        m.readinessPort() < 0 ? null : new InetSocketAddress(m.readinessHost(), m.readinessPort()), m.exposeDebug()),
        this::ready, metrics::scrape, pages.all()).start();

    source.start();
    DaemonThreads.start("await-sync", this::awaitSync);
    status.start();
    caServer = xds.tlsPort() > 0 ? new MeshCaServer(ca,
        new KubeCaStore(client, ns, () -> store.mesh().trustDomain(), id.rootValidity(), Clock.systemUTC()),
        new RootCertPublisher(client, () -> ca.current().rootsPem()), pipeline.xds(),
        new MeshCaServer.Settings(new InetSocketAddress(xds.tlsHost(), xds.tlsPort()), servingNames(id, ns),
            id.workloadCertTtl(), id.workloadCertTtl().multipliedBy(4)),
        status::isLeader).start() : null;
    // the webhooks need the API server; they start in the background, retrying, so xDS never
    // waits for them and an API server outage at start-up delays only them
    webhookStarter = options.webhooks() == null ? null : DaemonThreads.start("start-webhooks", this::startWebhooks);
    LOG.info("kubernetes mode: {} on {}, xDS {}, TLS xDS {}, monitoring on port {}, lease {}/{}",
        options.lease().identity(), client.getMasterUrl(),
        xds.plaintext() ? "in plaintext on port " + pipeline.xds().port() : "in plaintext off",
        xds.tlsPort() > 0 ? "on port " + xds.tlsPort() : "off", monitoring.port(), ns, Leadership.LEASE);
  }

  public static KubeBosun start(KubernetesClient client, Options options) throws IOException {
    return new KubeBosun(client, options);
  }

  private static List<String> servingNames(Security id, String ns) {
    String svc = id.serviceName();
    return List.of(svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local", svc + "." + ns, svc,
        "istiod." + ns + ".svc");
  }

  private void startWebhooks() {
    for (int attempt = 1; !closed; attempt++) {
      try {
        AutoCloseable started = AdmissionWebhooks.start(client, new ConfigParser(), options.lease().namespace(),
            options.webhooks(), status::isLeader, metrics);
        synchronized (this) {
          if (closed) {
            started.close();
          } else {
            webhooks = started;
          }
        }
        return;
      } catch (Exception e) {
        // loud, because admission (and so pod creation) depends on it; retried until it works
        LOG.error("admission webhooks failed to start (attempt {}); retrying in 5 s", attempt, e);
        try {
          Thread.sleep(5_000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void awaitSync() {
    while (!source.synced() && !closed) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
    LOG.info("informers synced: {} resources, {} problems; serving config", store.entries().size(),
        store.problems().size());
    pipeline.push().requestPush();
    status.requestSync();
  }

  public boolean isLeader() {
    return status.isLeader();
  }

  /** Informers synced and, when 15012 is on, the CA loaded and 15012 serving. */
  public boolean ready() {
    return source.synced() && (caServer == null || caServer.ready());
  }

  /** The TLS port (15012) once serving; throws before. */
  public int xdsTlsPort() {
    return pipeline.xds().tlsPort(0);
  }

  public int readinessPort() {
    return monitoring.readinessPort();
  }

  @Override
  public Parts parts() {
    return new Parts(pipeline, monitoring, ca);
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (webhooks != null) {
        Shutdown.quietly("admission webhooks", webhooks);
      }
    }
    if (webhookStarter != null) {
      webhookStarter.interrupt();
    }
    // releasing the lease is a call to the API server; if it hangs, shutdown must not (finding 24):
    // an unreleased lease simply expires
    Shutdown.bounded("lease release", status::closeLeadership, Duration.ofSeconds(2));
    status.close();
    if (caServer != null) {
      caServer.close();
    }
    source.close();
    monitoring.close();
    pipeline.close();
    metrics.close();
    Shutdown.bounded("API client close", client::close, Duration.ofSeconds(2));
  }
}
