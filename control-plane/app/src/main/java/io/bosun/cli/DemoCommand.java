package io.bosun.cli;

import io.bosun.demo.EchoServer;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.runtime.StandaloneBosun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: standalone Bosun on samples/demo, the sample backends it names, and a real
 * Envoy as the ingress gateway; prints requests to try. Ctrl-C stops everything it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true,
    description = {"Run a demo: standalone Bosun, sample backends and an Envoy gateway.",
        "Runs standalone Bosun on samples/demo with sample backends and a real Envoy ingress gateway, on loopback."})
final class DemoCommand implements Callable<Integer> {
  static final int GATEWAY_PORT = 8080;
  static final String GATEWAY_NODE = "router~127.0.0.1~bosun-ingressgateway-demo.istio-system"
      + "~istio-system.svc.cluster.local";

  @Option(names = "--config", paramLabel = "DIR", description = "Default: $BOSUN_HOME/samples/demo.")
  Path config;

  @Option(names = "--xds-port", paramLabel = "PORT", defaultValue = "15010", converter = Cli.Port.class)
  int xdsPort;

  @Option(names = "--monitoring-port", paramLabel = "PORT", defaultValue = "15014", converter = Cli.Port.class)
  int monitoringPort;

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getenv().getOrDefault("BOSUN_HOME", ".")).toAbsolutePath().normalize();
    if (config == null) {
      config = home.resolve("samples/demo");
    }
    if (!Files.isDirectory(config)) {
      throw new IllegalArgumentException("demo config " + config + " not found (set BOSUN_HOME to the Bosun checkout)");
    }
    List<AutoCloseable> started = new ArrayList<>();
    try {
      Path envoy = EnvoyBinary.locateOrInstall(home, null);
      started.add(new EchoServer("reviews", "v1", 19081));
      started.add(new EchoServer("reviews", "v2", 19082));
      started.add(new EchoServer("ratings", "v1", 19083));
      // Everything in the demo talks over loopback only.
      StandaloneBosun bosun = StandaloneBosun.start(config, "127.0.0.1", xdsPort, "127.0.0.1",
          monitoringPort);
      started.add(0, bosun);
      EnvoyProcess gateway = EnvoyProcess.start(envoy, Bootstrap.forProxy(GATEWAY_NODE)
          .namespace("istio-system")
          .labels(Map.of("istio", "ingressgateway", "app", "istio-ingressgateway"))
          .xds("127.0.0.1", bosun.xdsPort())
          .adminPort(15000));
      started.add(0, gateway);
      gateway.waitReady(Duration.ofSeconds(30));
      printInstructions(config, bosun, gateway);
    } catch (Exception | Error e) {
      closeAll(started);
      throw e;
    }
    Main.awaitShutdown(() -> closeAll(started));
    return 0;
  }

  private static void printInstructions(Path config, StandaloneBosun bosun, EnvoyProcess gateway) {
    String gw = "http://127.0.0.1:" + GATEWAY_PORT;
    System.out.printf("""

        Bosun is serving %s to a real Envoy ingress gateway (pid %d).
        Backends on loopback: reviews v1 (:19081), reviews v2 (:19082), ratings v1 (:19083).

        Weighted split, 80%% reviews v1 / 20%% v2:
          for i in $(seq 20); do curl -s %s/reviews; done | sort | uniq -c

        Header match, end-user: jason always gets reviews v2:
          curl -s -H 'end-user: jason' %s/reviews

        Prefix routes, /ratings goes to another service:
          curl -s %s/ratings

        Edit %s/routing.yaml (e.g. the weights) and the gateway follows within a second, no restart.
        What Bosun accepted or rejected:  curl -s http://127.0.0.1:%d/debug/configz
        Per-proxy xDS sync state:         curl -s http://127.0.0.1:%d/debug/syncz
        Envoy's view:                     curl -s http://127.0.0.1:%d/config_dump

        Press Ctrl-C to stop Bosun, Envoy and the backends.
        """, config, gateway.pid(), gw, gw, gw, config, bosun.monitoringPort(), bosun.monitoringPort(),
        gateway.adminPort());
    System.out.flush();
  }

  private static void closeAll(List<AutoCloseable> started) {
    for (AutoCloseable c : started) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("bosun: stopping " + c + ": " + e);
      }
    }
  }
}
