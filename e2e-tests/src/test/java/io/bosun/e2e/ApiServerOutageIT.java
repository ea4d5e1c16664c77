package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.demo.EchoServer;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.runtime.KubeBosun;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The API server goes away for 30 s: Bosun keeps serving the last config, then catches up. */
@WithRealCluster
class ApiServerOutageIT {

  @Test
  void keepsServingThroughAnOutageWithoutAnEmptyPushThenCatchesUp(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "istio-system");
    int port = Ports.freePort();
    try (EchoServer v1 = new EchoServer("reviews", "v1", 0);
         EchoServer v2 = new EchoServer("reviews", "v2", 0);
         KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(new ConfigBuilder(cluster.config())
                 .withWatchReconnectInterval(200).build()).build(),
             KubeBosun.Options.local("outage-it"))) {
      Manifests.apply(k, Manifests.reviews("default", v1.port(), v2.port()) + "---\n" + Manifests.gateway("default",
          port)
          + "---\n" + vs("v1"));
      await("Bosun ready").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(bosun::ready);
      try (EnvoyProcess gateway = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
              "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local")
          .namespace("istio-system").labels(Map.of("istio", "ingressgateway"))
          .xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()))) {
        gateway.waitReady(Duration.ofSeconds(30));
        await("routes on v1").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> Http.body(port, "/")
            .equals("reviews v1\n"));
        Map<String, Long> before = Settle.stats(gateway, ".*update_attempt$");

        cluster.stopApiServer();
        long end = System.nanoTime() + 30_000_000_000L;
        int requests = 0;
        int failures = 0;
        while (System.nanoTime() < end) {
          requests++;
          if (!Http.body(port, "/").equals("reviews v1\n")) {
            failures++;
          }
          Thread.sleep(100);
        }
        System.out.printf("API server down 30 s: %d requests, %d failed; Bosun ready=%s%n", requests, failures,
            bosun.ready());
        assertThat(failures).isZero();
        assertThat(gateway.statsMatching(".*update_attempt$")).as("nothing pushed during the outage")
            .isEqualTo(before);

        cluster.startApiServer();
        Manifests.apply(k, vs("v2"));
        long t0 = System.nanoTime();
        await("caught up: routes on v2").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Http.body(port,
            "/").equals("reviews v2\n"));
        System.out.printf("caught up %.1f s after the change%n", (System.nanoTime() - t0) / 1e9);
        assertNoRejections(gateway);
      }
    }
  }

  @Test
  void startsWithoutAnApiServerAndTurnsReadyOnlyOnceItHasSynced(RealCluster cluster) throws Exception {
    Crds.install(cluster.client());
    cluster.stopApiServer();
    try (KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(new ConfigBuilder(cluster.config())
            .withWatchReconnectInterval(200).build()).build(),
        KubeBosun.Options.local("late-it"))) {
      String ready = "http://127.0.0.1:" + bosun.monitoringPort() + "/ready";
      for (int i = 0; i < 10; i++) {
        assertThat(status(ready)).as("not ready while the API server is away").isEqualTo(503);
        Thread.sleep(200);
      }
      cluster.startApiServer();
      await("/ready 200 once informers synced").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
          status(ready) == 200);
    }
  }

  /**
   * Finding 24: SIGTERM while the API server hangs blocked shutdown for over 60 s in the lease
   * release (a request with no deadline). Shutdown must finish well inside a grace period.
   */
  @Test
  void shutdownFinishesWhileTheApiServerHangs(RealCluster cluster) throws Exception {
    Crds.install(cluster.client());
    Crds.ensureNamespace(cluster.client(), "istio-system"); // where the lease lives
    KubeBosun bosun = KubeBosun.start(new KubernetesClientBuilder().withConfig(cluster.config()).build(),
        KubeBosun.Options.local("hang-it"));
    await("leader").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(bosun::isLeader);
    cluster.freezeApiServer(true);
    try {
      long t0 = System.nanoTime();
      bosun.close();
      long millis = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("shutdown with a hung API server took %d ms%n", millis);
      assertThat(millis).as("within a 30 s termination grace period, with room").isLessThan(10_000);
    } finally {
      cluster.freezeApiServer(false);
    }
  }

  private static int status(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static String vs(String subset) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http: [{route: [{destination: {host: reviews, subset: %s}}]}]
        """.formatted(subset);
  }

  static void assertNoRejections(EnvoyProcess envoy) {
    assertThat(envoy.statsMatching(".*update_rejected$").values()).allMatch(v -> v == 0);
  }
}
