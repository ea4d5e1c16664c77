package io.bosun.cli;

import io.bosun.runtime.KubeBosun;
import io.bosun.runtime.StandaloneBosun;
import io.bosun.sources.file.FileConfigSource;
import io.bosun.xds.auth.XdsSecurity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** The {@code bosun} command. */
public final class Main {
  static final String USAGE = """
      usage: bosun <command> [options]

      commands:
        standalone --config DIR [--xds-port 15010] [--xds-address 127.0.0.1]
                   [--monitoring-port 15014] [--monitoring-address 127.0.0.1]
                   [--ca-dir DIR] [--workload-cert-ttl 24h]
                   [--xds-max-streams-per-client 64] [--xds-max-groups-per-client 1024]
                   [--file-settle 1s] [--max-file-bytes 2097152]
            Serve xDS for the Istio config in DIR (*.yaml, *.yml; watched for changes; a change is
            applied once the file has not changed for --file-settle, or after 10 s of changing). Proxies on
            loopback are trusted as they claim (they get Secrets and workload certificates); others
            get config only. The CA is ephemeral unless --ca-dir holds ca-cert.pem and ca-key.pem.
        kube [--kubeconfig PATH] [--xds-tls-port 15012 (0: off)] [--xds-tls-address 0.0.0.0]
             [--xds-plaintext false] [--xds-port 15010] [--xds-address 0.0.0.0]
             [--service-name bosun] [--token-audiences istio-ca] [--workload-cert-ttl 24h]
             [--xds-max-streams-per-client 64] [--xds-max-groups-per-client 16]
             [--monitoring-port 15014] [--monitoring-address 127.0.0.1] [--expose-debug false]
             [--readiness-port 8080] [--readiness-address 0.0.0.0]
             [--lease-namespace $POD_NAMESPACE|istio-system] [--identity $POD_NAME|host-pid] [--lease-duration-seconds 15]
             [--webhook-port 15017] [--webhook-address 0.0.0.0] [--webhook-cert-dir DIR] [--webhook-service bosun]
             [--webhook-cert-validity-hours 8760] [--injection-configmap bosun-sidecar-injector]
            Serve xDS for the Istio config of a Kubernetes cluster (kubeconfig, $KUBECONFIG or in-cluster)
            over TLS, to proxies that prove their workload identity (a service-account token or a
            certificate from Bosun's CA, kept in Secret cacerts or bosun-ca), plus certificate signing;
            plaintext xDS (anonymous, no Secrets) only with --xds-plaintext true. Also the
            sidecar-injection and validation webhooks (when the injector is on the class path).
        demo [--config DIR] [--xds-port 15010] [--monitoring-port 15014]
            Run standalone Bosun on samples/demo with sample backends and an Envoy ingress gateway.
        intercept [--proxy-uid 1337] [--proxy-gid 1337] [--inbound-capture-port 15006] [--outbound-capture-port 15001]
                  [--include-inbound-ports *] [--exclude-inbound-ports P,...] [--include-outbound-ip-ranges *]
                  [--exclude-outbound-ip-ranges CIDR,...] [--exclude-outbound-ports P,...] [--dry-run true]
            Install a sidecar's iptables interception rules in this network namespace (the injected init
            container runs this; needs NET_ADMIN and NET_RAW), or print them.
        validate PATH...
            Check Istio config files or directories offline with the same validator Bosun serves with;
            prints every error and warning, exits 1 when there is an error.
        version
            Print the version.
      """;

  private Main() {
  }

  public static void main(String[] argv) throws Exception {
    int rc = run(argv);
    // Only a failure exits explicitly: after a clean shutdown the JVM is already exiting.
    if (rc != 0) {
      System.exit(rc);
    }
  }

  static int run(String[] argv) throws Exception {
    if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
      System.out.print(USAGE);
      commands().forEach(c -> System.out.print(c.usage()));
      return argv.length == 0 ? 2 : 0;
    }
    List<String> rest = Arrays.asList(argv).subList(1, argv.length);
    try {
      switch (argv[0]) {
        case "standalone":
          return standalone(new Args(rest, Set.of("config", "xds-port", "xds-address", "monitoring-port",
              "monitoring-address", "ca-dir", "workload-cert-ttl", "xds-max-streams-per-client",
              "xds-max-groups-per-client", "file-settle", "max-file-bytes")));
        case "kube":
          return kube(new Args(rest, kubeOptions()));
        case "demo":
          return Demo.run(new Args(rest, Set.of("config", "xds-port", "monitoring-port")));
        case "validate":
          return Validate.run(rest);
        case "intercept":
          return Intercept.run(new Args(rest, Intercept.OPTIONS));
        case "version":
          System.out.println("bosun " + version());
          return 0;
        default:
          for (Command c : commands()) {
            if (c.name().equals(argv[0])) {
              try {
                return c.run(rest);
              } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
              }
            }
          }
          throw new Args.UsageException("unknown command \"" + argv[0] + "\"");
      }
    } catch (Args.UsageException e) {
      System.err.println("bosun: " + e.getMessage());
      System.err.print(USAGE);
      return 2;
    }
  }

  private static int standalone(Args args) throws Exception {
    Path dir = Path.of(args.require("config"));
    String xdsHost = args.get("xds-address", "127.0.0.1");
    int xdsPort = args.port("xds-port", 15010);
    String monitoringHost = args.get("monitoring-address", "127.0.0.1");
    int monitoringPort = args.port("monitoring-port", 15014);
    if (!Files.isDirectory(dir)) {
      System.err.println("bosun: config directory " + dir + " does not exist");
      return 2;
    }
    String caDir = args.get("ca-dir", "");
    StandaloneBosun.Options options = new StandaloneBosun.Options(
        caDir.isEmpty() ? null : Path.of(caDir), args.duration("workload-cert-ttl", java.time.Duration.ofHours(24)),
        args.count("xds-max-streams-per-client", XdsSecurity.DEFAULT_STREAMS_PER_PRINCIPAL),
        args.count("xds-max-groups-per-client", StandaloneBosun.Options.DEFAULT_GROUPS_PER_CLIENT),
        new FileConfigSource.Limits(args.duration("file-settle", FileConfigSource.Limits.DEFAULTS.settle()),
            FileConfigSource.Limits.DEFAULTS.maxWait(),
            args.count("max-file-bytes", (int) FileConfigSource.Limits.DEFAULTS.maxBytes())));
    StandaloneBosun bosun = StandaloneBosun.start(dir, xdsHost, xdsPort, monitoringHost, monitoringPort, options);
    awaitShutdown(bosun);
    return 0;
  }

  static List<Command> commands() {
    List<Command> out = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(Command.class).forEach(out::add);
    return out;
  }

  static Set<String> kubeOptions() {
    Set<String> known = new java.util.TreeSet<>(Set.of("kubeconfig", "xds-port", "xds-address", "monitoring-port",
        "monitoring-address", "lease-namespace", "identity", "lease-duration-seconds", "xds-plaintext",
        "xds-tls-port", "xds-tls-address", "service-name", "token-audiences", "workload-cert-ttl",
        "xds-max-streams-per-client", "xds-max-groups-per-client", "readiness-port", "readiness-address",
        "expose-debug"));
    KubeBosun.extensions().forEach(e -> known.addAll(e.options()));
    return known;
  }

  private static int kube(Args args) throws Exception {
    String kubeconfig = args.get("kubeconfig", "");
    KubeBosun.Options options = kubeOptions(args);
    io.fabric8.kubernetes.client.Config config = kubeconfig.isEmpty()
        ? io.fabric8.kubernetes.client.Config.autoConfigure(null)
        : io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)));
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    awaitShutdown(KubeBosun.start(client, options));
    return 0;
  }

  /** {@code bosun kube}'s options, defaults filled in (plaintext xDS off, TLS on 15012). */
  static KubeBosun.Options kubeOptions(Args args) throws java.net.UnknownHostException {
    KubeBosun.Security defaults = KubeBosun.Security.DEFAULTS;
    KubeBosun.Security security = new KubeBosun.Security(
        args.get("service-name", args.get("webhook-service", defaults.serviceName())),
        args.list("token-audiences", defaults.tokenAudiences()),
        args.duration("workload-cert-ttl", defaults.workloadCertTtl()), defaults.rootValidity(),
        args.count("xds-max-streams-per-client", defaults.streamsPerClient()),
        args.count("xds-max-groups-per-client", defaults.groupsPerClient()));
    return new KubeBosun.Options(
        args.get("xds-address", "0.0.0.0"), args.port("xds-port", 15010), args.bool("xds-plaintext", false),
        args.get("xds-tls-address", "0.0.0.0"), args.port("xds-tls-port", 15012),
        args.get("monitoring-address", "127.0.0.1"), args.port("monitoring-port", 15014),
        args.get("lease-namespace", System.getenv().getOrDefault("POD_NAMESPACE", "istio-system")),
        args.get("identity", System.getenv().getOrDefault("POD_NAME",
            java.net.InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid())),
        java.time.Duration.ofSeconds(args.port("lease-duration-seconds", 15)), security, args.all(),
        new KubeBosun.Readiness(args.get("readiness-address", "0.0.0.0"), args.port("readiness-port", 8080),
            args.bool("expose-debug", false)));
  }

  /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes {@code resource}. */
  static void awaitShutdown(AutoCloseable resource) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        resource.close();
      } catch (Exception e) {
        System.err.println("bosun: error while stopping: " + e);
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
