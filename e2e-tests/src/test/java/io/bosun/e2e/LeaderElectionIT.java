package io.bosun.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.envoy.Ports;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Two Bosun replicas (real JVMs, as `bosun kube` runs them): one writes status; killing it hands over. */
@WithRealCluster
class LeaderElectionIT {
  static final int LEASE_SECONDS = 5;
  static final Map<String, Process> REPLICAS = new TreeMap<>();
  static final Map<String, Path> LOGS = new TreeMap<>();

  @AfterAll
  static void stop() {
    REPLICAS.values().forEach(p -> {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  static void startReplica(RealCluster cluster, String name) throws IOException {
    Path log = Files.createTempFile("bosun-" + name, ".log");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.bosun.cli.Main", "kube",
        "--kubeconfig", cluster.kubeconfigPath().toString(),
        "--xds-address", "127.0.0.1", "--xds-port", "0",
        "--monitoring-address", "127.0.0.1", "--monitoring-port", Integer.toString(Ports.freePort()),
        // two replicas on one host: their other ports must not collide either
        "--readiness-address", "127.0.0.1", "--readiness-port", "0", "--xds-tls-port", "0",
        "--lease-namespace", "istio-system", "--identity", name,
        "--lease-duration", LEASE_SECONDS + "s", "--webhooks", "false"));
    REPLICAS.put(name, new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start());
    LOGS.put(name, log);
  }

  static String holder(KubernetesClient k) {
    Lease lease = k.leases().inNamespace("istio-system").withName("bosun-leader").get();
    return lease == null || lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }

  static long statusWrites(String replica) {
    try {
      return Files.readAllLines(LOGS.get(replica)).stream().filter(l -> l.contains("status Reconciled=")).count();
    } catch (IOException e) {
      return -1;
    }
  }

  static void invalidVs(KubernetesClient k, String name) {
    k.resource(k.getKubernetesSerialization().unmarshal("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: default}
        spec: {hosts: [a], http: [{route: [{destination: {host: a, port: {number: 0}}}]}]}
        """.formatted(name), GenericKubernetesResource.class)).serverSideApply();
  }

  static boolean invalidStatus(KubernetesClient k, String name) {
    VirtualService vs = k.resources(VirtualService.class).inNamespace("default").withName(name).get();
    return vs != null && vs.getStatus() != null && vs.getStatus().getConditions() != null
        && vs.getStatus().getConditions().stream().anyMatch(c -> c.getStatus().equals("False"));
  }

  @Test
  void exactlyOneReplicaWritesStatusAndAKilledLeaderIsReplacedWithinTheLease(RealCluster cluster) throws Exception {
    KubernetesClient k = cluster.client();
    Crds.install(k);
    Crds.ensureNamespace(k, "istio-system");
    startReplica(cluster, "replica-a");
    startReplica(cluster, "replica-b");
    await("a leader is elected").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> !holder(k).isEmpty());
    String leader = holder(k);
    String other = leader.equals("replica-a") ? "replica-b" : "replica-a";

    invalidVs(k, "bad-one");
    await("status written").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> invalidStatus(k, "bad-one"));
    Thread.sleep(1000);
    assertThat(statusWrites(leader)).as("the leader writes").isPositive();
    assertThat(statusWrites(other)).as("the other replica never writes").isZero();

    long killedAt = System.nanoTime();
    REPLICAS.get(leader).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    await("the other replica takes the lease").atMost(Duration.ofSeconds(LEASE_SECONDS * 3)).ignoreExceptions()
        .until(() -> holder(k).equals(other));
    double handover = (System.nanoTime() - killedAt) / 1e9;
    System.out.printf("leader %s killed; %s took over after %.1f s (lease %d s)%n", leader, other, handover,
        LEASE_SECONDS);
    // the lease must expire first; the survivor then needs one retry period (lease/5) and an API round trip
    assertThat(handover).as("handover soon after the lease expires").isLessThan(LEASE_SECONDS + 3.5);

    invalidVs(k, "bad-two");
    await("the new leader writes status").atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
        invalidStatus(k, "bad-two"));
    // the replica logs the write just after the API call returns
    await("the new leader logged its write").atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() ->
        statusWrites(other) > 0);
  }
}
