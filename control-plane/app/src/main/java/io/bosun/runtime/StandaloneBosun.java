package io.bosun.runtime;

import io.bosun.ca.CaMaterial;
import io.bosun.ca.CertificateAuthority;
import io.bosun.ca.MeshCa;
import io.bosun.ca.WorkloadCertificates;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.identity.ProxyAdmission;
import io.bosun.identity.SecretAccess;
import io.bosun.monitoring.BuildInfo;
import io.bosun.monitoring.MicrometerMetrics;
import io.bosun.monitoring.MonitoringServer;
import io.bosun.sources.file.FileConfigSource;
import io.bosun.xds.auth.Authenticator;
import io.bosun.xds.auth.XdsSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bosun without a cluster: config from a directory of YAML, xDS and monitoring servers. Used by
 * {@code bosun standalone}, {@code bosun demo} and the tests, so they all run the same wiring.
 */
public final class StandaloneBosun implements RunningBosun {
  private static final Logger LOG = LoggerFactory.getLogger(StandaloneBosun.class);
  /** How often the config directory is polled; the debounce that follows adds at most 100 ms. */
  public static final long POLL_MILLIS = 100;

  /**
   * How standalone Bosun trusts its proxies.
   *
   * @param caDir           a directory with the CA (Istio's {@code ca-cert.pem}, {@code ca-key.pem},
   *                        optional {@code cert-chain.pem}, {@code root-cert.pem}); null: an ephemeral
   *                        self-signed root, new at each start
   * @param workloadCertTtl lifetime of the workload certificates loopback proxies get
   */
  public record Options(Path caDir, Duration workloadCertTtl, int streamsPerClient, int groupsPerClient,
                        FileConfigSource.Limits files) {
    /** Every local Envoy comes from loopback, so the anonymous loopback client needs room for many. */
    public static final int DEFAULT_GROUPS_PER_CLIENT = 1024;
    public static final Options DEFAULTS = new Options(null, Duration.ofHours(24),
        XdsSecurity.DEFAULT_STREAMS_PER_PRINCIPAL, DEFAULT_GROUPS_PER_CLIENT, FileConfigSource.Limits.DEFAULTS);
  }

  private final ConfigStore store = new ConfigStore();
  private final FileConfigSource files;
  private final Pipeline pipeline;
  private final MonitoringServer monitoring;
  private final MicrometerMetrics metrics = new MicrometerMetrics(BuildInfo.version());
  private final MeshCa ca;

  private StandaloneBosun(Path configDir, InetSocketAddress xdsAddress, InetSocketAddress monitoringAddress,
                          Options options) throws IOException {
    files = new FileConfigSource(configDir, new ConfigParser(), store, options.files(), System::nanoTime);
    files.scan();
    ca = new MeshCa(options.caDir() == null
        ? CertificateAuthority.selfSigned(store.mesh().trustDomain(), Duration.ofDays(3650))
        : CaMaterial.read(readDir(options.caDir()), "CA directory " + options.caDir()));
    // Standalone trusts loopback (the operator's own machine) as proxies claim to be: they get the
    // Secrets of the config directory and workload certificates. Anyone else gets config only.
    XdsSecurity security = new XdsSecurity(Authenticator.ANONYMOUS,
        new ProxyAdmission(store::pod, store::workloadEntry, () -> store.mesh().trustDomain(), true),
        options.streamsPerClient(), options.groupsPerClient(), XdsSecurity.DEFAULT_IDLE_TIMEOUT);
    pipeline = new Pipeline(store, () -> true, SecretAccess.ANY_IDENTITY,
        new WorkloadCertificates(ca, options.workloadCertTtl(), Clock.systemUTC()), xdsAddress, security, metrics)
        .start();
    DebugPages pages = new DebugPages(pipeline);
    pages.bind(metrics);
    monitoring = new MonitoringServer(monitoringAddress, files::healthy, metrics::scrape, pages.all()).start();
    files.start(POLL_MILLIS);
    LOG.info("standalone: config {} ({} resources, {} problems), xDS on port {}, monitoring on port {}",
        configDir, store.entries().size(), store.problems().size(), xdsPort(), monitoring.port());
  }

  /**
   * Starts everything. Ports may be 0 for ephemeral ones (tests). xDS binds {@code xdsHost}
   * (all interfaces, as proxies on other hosts need it); the monitoring server binds
   * {@code monitoringHost} (loopback unless told otherwise: debug pages show the whole config).
   */
  public static StandaloneBosun start(Path configDir, String xdsHost, int xdsPort, String monitoringHost,
                                      int monitoringPort) throws IOException {
    return start(configDir, xdsHost, xdsPort, monitoringHost, monitoringPort, Options.DEFAULTS);
  }

  public static StandaloneBosun start(Path configDir, String xdsHost, int xdsPort, String monitoringHost,
                                      int monitoringPort, Options options) throws IOException {
    return new StandaloneBosun(configDir, new InetSocketAddress(xdsHost, xdsPort),
        new InetSocketAddress(monitoringHost, monitoringPort), options);
  }

  private static Map<String, String> readDir(Path dir) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : new String[] {CaMaterial.CA_CERT, CaMaterial.CA_KEY, CaMaterial.CERT_CHAIN,
        CaMaterial.ROOT_CERT}) {
      Path p = dir.resolve(name);
      if (Files.isRegularFile(p)) {
        out.put(name, Files.readString(p));
      }
    }
    return out;
  }

  @Override
  public Parts parts() {
    return new Parts(pipeline, monitoring, ca);
  }

  @Override
  public void close() {
    files.close();
    monitoring.close();
    pipeline.close();
    metrics.close();
  }
}
