package io.bosun.cli;

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
}
