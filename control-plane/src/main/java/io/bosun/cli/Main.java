package io.bosun.cli;

import io.bosun.runtime.KubeBosun;
import io.bosun.runtime.StandaloneBosun;
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
        standalone --config DIR [--xds-port 15010] [--xds-address 0.0.0.0]
                   [--monitoring-port 15014] [--monitoring-address 127.0.0.1]
            Serve xDS for the Istio config in DIR (*.yaml, *.yml; watched for changes).
        kube [--kubeconfig PATH] [--xds-port 15010] [--xds-address 0.0.0.0]
             [--monitoring-port 15014] [--monitoring-address 0.0.0.0]
             [--lease-namespace $POD_NAMESPACE|istio-system] [--identity $POD_NAME|host-pid] [--lease-duration-seconds 15]
             [--webhook-port 15017] [--webhook-address 0.0.0.0] [--webhook-cert-dir DIR] [--webhook-service bosun]
             [--webhook-cert-validity-hours 8760] [--injection-configmap bosun-sidecar-injector]
             [--xds-tls-port 15012 (0: off)] [--xds-tls-address 0.0.0.0]
            Serve xDS for the Istio config of a Kubernetes cluster (kubeconfig, $KUBECONFIG or in-cluster),
            and the sidecar-injection and validation webhooks (when the injector is on the class path),
            whose certificate also serves xDS over TLS.
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
              "monitoring-address")));
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
    String xdsHost = args.get("xds-address", "0.0.0.0");
    int xdsPort = args.port("xds-port", 15010);
    String monitoringHost = args.get("monitoring-address", "127.0.0.1");
    int monitoringPort = args.port("monitoring-port", 15014);
    if (!Files.isDirectory(dir)) {
      System.err.println("bosun: config directory " + dir + " does not exist");
      return 2;
    }
    StandaloneBosun bosun = StandaloneBosun.start(dir, xdsHost, xdsPort, monitoringHost, monitoringPort);
    awaitShutdown(bosun);
    return 0;
  }

  static List<Command> commands() {
    List<Command> out = new java.util.ArrayList<>();
    java.util.ServiceLoader.load(Command.class).forEach(out::add);
    return out;
  }

  private static Set<String> kubeOptions() {
    Set<String> known = new java.util.TreeSet<>(Set.of("kubeconfig", "xds-port", "xds-address", "monitoring-port",
        "monitoring-address", "lease-namespace", "identity", "lease-duration-seconds"));
    KubeBosun.extensions().forEach(e -> known.addAll(e.options()));
    return known;
  }

  private static int kube(Args args) throws Exception {
    String kubeconfig = args.get("kubeconfig", "");
    KubeBosun.Options options = new KubeBosun.Options(
        args.get("xds-address", "0.0.0.0"), args.port("xds-port", 15010),
        args.get("monitoring-address", "0.0.0.0"), args.port("monitoring-port", 15014),
        args.get("lease-namespace", System.getenv().getOrDefault("POD_NAMESPACE", "istio-system")),
        args.get("identity", System.getenv().getOrDefault("POD_NAME",
            java.net.InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid())),
        java.time.Duration.ofSeconds(args.port("lease-duration-seconds", 15)), args.all());
    io.fabric8.kubernetes.client.Config config = kubeconfig.isEmpty()
        ? io.fabric8.kubernetes.client.Config.autoConfigure(null)
        : io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)));
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    awaitShutdown(KubeBosun.start(client, options));
    return 0;
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
