package io.bosun.cli;

import io.bosun.monitoring.Logs;
import io.bosun.xds.auth.XdsSecurity;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What both serving modes take alike: the plaintext xDS port, monitoring, workload certificates, limits. */
final class ServingOptions {
  @Option(names = "--xds-port", paramLabel = "PORT", defaultValue = "15010", converter = Cli.Port.class,
      description = "Plaintext xDS port; 0 for any.")
  int xdsPort;

  @Option(names = "--monitoring-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Metrics and debug pages (the debug pages answer loopback only, see --expose-debug).")
  String monitoringAddress;

  @Option(names = "--monitoring-port", paramLabel = "PORT", defaultValue = "15014", converter = Cli.Port.class)
  int monitoringPort;

  @Option(names = "--workload-cert-ttl", paramLabel = "DURATION", defaultValue = "24h",
      description = "Lifetime of workload certificates (renewed at half).")
  Duration workloadCertTtl;

  @Option(names = "--xds-max-streams-per-client", paramLabel = "N", converter = Cli.Count.class,
      defaultValue = "" + XdsSecurity.DEFAULT_STREAMS_PER_PRINCIPAL,
      description = "xDS streams one client may hold open.")
  int streamsPerClient;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:BOSUN_LOG_FORMAT:-text}",
      description = "Log lines on stderr as text or one JSON object each (env BOSUN_LOG_FORMAT).")
  Logs.Format logFormat;

  @Option(names = "--log-level", paramLabel = "LOGGER=LEVEL,...", converter = Cli.LogLevels.class,
      description = "Levels by package or class, e.g. io.bosun.push=debug,io.bosun=info; a bare level is the"
          + " root's. Changeable at run time: /debug/logging on the monitoring port, bosunctl admin log.")
  Logs.Levels logLevels;

  /** Applies --log-format and --log-level, before anything is served. */
  void configureLogging() {
    if (logFormat == Logs.Format.JSON) {
      // text is logback.xml's own (which -Dlogback.configurationFile may replace)
      Logs.useFormat(logFormat);
    }
    if (logLevels != null) {
      logLevels.apply();
    }
  }
}
