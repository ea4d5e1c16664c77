package io.bosun.cli;

import io.bosun.runtime.StandaloneBosun;
import io.bosun.sources.file.FileConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code standalone}: serves the Istio config of a directory, no cluster needed. */
@Command(name = "standalone", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
    description = {"Serve xDS for the Istio config of a directory; no cluster needed.",
        "Serves the Istio config in --config (*.yaml, *.yml; watched for changes: a change is "
          + "applied once the file has not changed for --file-settle, or after 10 s of changing).",
        "Proxies on loopback are trusted as they claim (they get Secrets and workload certificates); others get "
            + "config only. The CA is ephemeral unless --ca-dir holds ca-cert.pem and ca-key.pem."})
final class StandaloneCommand implements Callable<Integer> {
  @Mixin
  ServingOptions serving;

  @Option(names = "--config", required = true, paramLabel = "DIR", description = "The config directory.")
  Path config;

  @Option(names = "--xds-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "xDS address.")
  String xdsAddress;

  @Option(names = "--ca-dir", paramLabel = "DIR",
      description = "Istio's ca-cert.pem, ca-key.pem[, cert-chain.pem, root-cert.pem] (default: an ephemeral root).")
  Path caDir;

  @Option(names = "--xds-max-groups-per-client", paramLabel = "N", converter = Cli.Count.class,
      defaultValue = "" + StandaloneBosun.Options.DEFAULT_GROUPS_PER_CLIENT,
      description = "Distinct proxies one client may announce.")
  int groupsPerClient;

  @Option(names = "--file-settle", paramLabel = "DURATION", defaultValue = "1s",
      description = "How long a file must stay unchanged before it is applied.")
  Duration fileSettle;

  @Option(names = "--max-file-bytes", paramLabel = "N", converter = Cli.Count.class, defaultValue = "2097152",
      description = "Larger config files are refused.")
  int maxFileBytes;

  @Override
  public Integer call() throws Exception {
    serving.configureLogging();
    if (!Files.isDirectory(config)) {
      throw new IllegalArgumentException("config directory " + config + " does not exist");
    }
    FileConfigSource.Limits files = new FileConfigSource.Limits(fileSettle, FileConfigSource.Limits.DEFAULTS.maxWait(),
        maxFileBytes);
    StandaloneBosun.Options options = new StandaloneBosun.Options(caDir, serving.workloadCertTtl,
        serving.streamsPerClient,
        groupsPerClient, files);
    Main.awaitShutdown(StandaloneBosun.start(config, xdsAddress, serving.xdsPort, serving.monitoringAddress,
        serving.monitoringPort, options));
    return 0;
  }
}
