package io.bosun.runtime;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.push.Debouncer;
import io.bosun.push.PushController;
import io.bosun.sources.kube.KubeConfigSource;
import io.bosun.sources.kube.Leadership;
import io.bosun.sources.kube.StatusWriter;
import io.bosun.xds.XdsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
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

  /** Where and how one replica runs. */
  public record Options(String xdsHost, int xdsPort, String monitoringHost, int monitoringPort,
                        String leaseNamespace, String identity, Duration leaseDuration,
                        Map<String, String> extensionSettings) {
    public Options {
      extensionSettings = extensionSettings == null ? Map.of() : Map.copyOf(extensionSettings);
    }

    public Options(String xdsHost, int xdsPort, String monitoringHost, int monitoringPort, String leaseNamespace,
                   String identity, Duration leaseDuration) {
      this(xdsHost, xdsPort, monitoringHost, monitoringPort, leaseNamespace, identity, leaseDuration, Map.of());
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

  private KubeBosun(KubernetesClient client, Options options) throws IOException {
    this.client = client;
    source = new KubeConfigSource(client, new ConfigParser(), store, options.leaseNamespace());
    push = new PushController(store, source::synced);
    xds = new XdsServer(new InetSocketAddress(options.xdsHost(), options.xdsPort()), push::groupOf, push::onNewGroup);
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
    monitoring = new MonitoringServer(new InetSocketAddress(options.monitoringHost(), options.monitoringPort()),
        source::synced, pages::metrics, pages::configz, pages::syncz).start();

    source.start();
    statusExecutor.execute(() -> awaitSync(statusDebouncer));
    leadership.start();
    // extensions (the webhooks) need the API server; they start in the background, retrying,
    // so xDS never waits for them and an API server outage at start-up delays only them
    for (KubeExtension ext : extensions()) {
      Thread t = new Thread(() -> startExtension(ext, options), "start-" + ext.getClass().getSimpleName());
      t.setDaemon(true);
      t.start();
    }
    LOG.info("kubernetes mode: {} on {}, xDS on port {}, monitoring on port {}, lease {}/{}", options.identity(),
        client.getMasterUrl(), xds.port(), monitoring.port(), options.leaseNamespace(), Leadership.LEASE);
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

  public boolean ready() {
    return source.synced();
  }

  public int xdsPort() {
    return xds.port();
  }

  public int monitoringPort() {
    return monitoring.port();
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
    leadership.close();
    statusExecutor.shutdownNow();
    source.close();
    monitoring.close();
    xds.close();
    push.close();
    client.close();
  }
}
