package io.bosun.runtime;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.push.PushController;
import io.bosun.sources.file.FileConfigSource;
import io.bosun.xds.XdsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bosun without a cluster: config from a directory of YAML, xDS and monitoring servers. Used by
 * {@code bosun standalone}, {@code bosun demo} and the tests, so they all run the same wiring.
 */
public final class StandaloneBosun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StandaloneBosun.class);
  /** How often the config directory is polled; the debounce that follows adds at most 100 ms. */
  public static final long POLL_MILLIS = 100;

  private final ConfigStore store = new ConfigStore();
  private final FileConfigSource files;
  private final PushController push;
  private final XdsServer xds;
  private final MonitoringServer monitoring;

  private StandaloneBosun(Path configDir, InetSocketAddress xdsAddress, InetSocketAddress monitoringAddress)
      throws IOException {
    files = new FileConfigSource(configDir, new ConfigParser(), store);
    files.scan();
    push = new PushController(store);
    xds = new XdsServer(xdsAddress, push::groupOf, push::onNewGroup);
    push.attach(xds);
    xds.start();
    DebugPages pages = new DebugPages(store, xds, push);
    monitoring = new MonitoringServer(monitoringAddress, () -> true, pages::metrics, pages::configz, pages::syncz)
        .start();
    files.start(POLL_MILLIS);
    LOG.info("standalone: config {} ({} resources, {} problems), xDS on port {}, monitoring on port {}",
        configDir, store.entries().size(), store.problems().size(), xds.port(), monitoring.port());
  }

  /**
   * Starts everything. Ports may be 0 for ephemeral ones (tests). xDS binds {@code xdsHost}
   * (all interfaces, as proxies on other hosts need it); the monitoring server binds
   * {@code monitoringHost} (loopback unless told otherwise: debug pages show the whole config).
   */
  public static StandaloneBosun start(Path configDir, String xdsHost, int xdsPort, String monitoringHost,
                                      int monitoringPort) throws IOException {
    return new StandaloneBosun(configDir, new InetSocketAddress(xdsHost, xdsPort),
        new InetSocketAddress(monitoringHost, monitoringPort));
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
    files.close();
    monitoring.close();
    xds.close();
    push.close();
  }
}
