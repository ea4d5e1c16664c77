package io.bosun.ca.kube;

import io.bosun.ca.CertificateAuthority;
import io.bosun.ca.MeshCa;
import io.bosun.ca.ReloadingKeyManager;
import io.bosun.ca.RootsTrustManager;
import io.bosun.concurrent.DaemonThreads;
import io.bosun.xds.XdsServer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's identity plane: loads the mesh CA from its Secret (retrying until the API
 * server answers, so xDS never waits for it), then serves xDS and certificate signing over TLS on
 * 15012 with a serving certificate from that CA, publishes the roots to every namespace, and every
 * minute re-reads the CA (a user's new {@code cacerts} takes effect without a restart), rotates a
 * self-signed root near its end (leader) and renews the serving certificate at half its life.
 */
public final class MeshCaServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MeshCaServer.class);
  static final Duration SERVING_VALIDITY = Duration.ofDays(30);

  /** Where 15012 listens and what it serves. */
  public record Settings(InetSocketAddress tlsAddress, List<String> servingNames, Duration workloadTtl,
                         Duration maxWorkloadTtl) {
  }

  private final MeshCa ca;
  private final KubeCaStore store;
  private final RootCertPublisher roots;
  private final XdsServer xds;
  private final Settings settings;
  private final BooleanSupplier leader;
  private final ScheduledExecutorService executor;
  private volatile ReloadingKeyManager keys;
  private volatile CertificateAuthority.Issued serving;
  private volatile boolean serving15012;

  public MeshCaServer(MeshCa ca, KubeCaStore store, RootCertPublisher roots, XdsServer xds, Settings settings,
                      BooleanSupplier leader) {
    this.ca = ca;
    this.store = store;
    this.roots = roots;
    this.xds = xds;
    this.settings = settings;
    this.leader = leader;
    this.executor = DaemonThreads.scheduler("mesh-ca");
    ca.onChange(next -> executor.execute(this::afterCaChange));
  }

  public MeshCaServer start() {
    executor.execute(this::startUp);
    return this;
  }

  /** Whether 15012 is serving (the CA is loaded). */
  public boolean ready() {
    return serving15012;
  }

  private void startUp() {
    try {
      ca.set(store.load());
      serving = ca.current().issueServing(settings.servingNames(), SERVING_VALIDITY);
      keys = new ReloadingKeyManager(serving);
      int port = xds.startTls(settings.tlsAddress(), keys, new RootsTrustManager(() -> ca.current().roots()), true,
          List.of(new CertificateService(ca, settings.workloadTtl(), settings.maxWorkloadTtl()).bindService()));
      serving15012 = true;
      LOG.info("mesh CA loaded (signing as {}); xDS and certificate signing over TLS on port {}",
          ca.current().signer().getSubjectX500Principal(), port);
      roots.start();
      executor.scheduleWithFixedDelay(this::refresh, 60, 60, TimeUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      // an unusable CA Secret: the message names it and what is wrong
      LOG.error("mesh CA: {}; retrying in 5 s", e.getMessage());
      executor.schedule(this::startUp, 5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("mesh CA: cannot start; retrying in 5 s", e);
      executor.schedule(this::startUp, 5, TimeUnit.SECONDS);
    }
  }

  /** Re-reads the CA, rotates what is due, and re-publishes the roots where they are stale. */
  void refresh() {
    try {
      CertificateAuthority next = store.rotateIfDue(store.load(), leader);
      ca.set(next);
      if (serving.due(Clock.systemUTC().instant(), 0.5)) {
        renewServing();
      }
      roots.sync();
    } catch (RuntimeException e) {
      LOG.warn("mesh CA refresh failed ({}); the current CA keeps serving", e.getMessage());
    }
  }

  private void afterCaChange() {
    if (keys != null) {
      renewServing();
      roots.sync();
    }
  }

  private void renewServing() {
    serving = ca.current().issueServing(settings.servingNames(), SERVING_VALIDITY);
    keys.set(serving);
    LOG.info("xDS serving certificate renewed, valid until {}", serving.notAfter());
  }

  @Override
  public void close() {
    executor.shutdownNow();
    roots.close();
  }
}
