package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bosun.certs.Certificates;
import io.bosun.cli.Bosunctl;
import io.bosun.demo.EchoServer;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh scenarios with everything real but the container runtime (see {@link NetnsMesh}), and
 * those that need to reach into it: the sidecars' xDS streams, the gateway pod, the host as an
 * external service, and the network's containment.
 */
@WithRealCluster(controllers = true)
class MeshIT extends MeshScenarios {
  static KubernetesClient k;

  @BeforeAll
  static void start(RealCluster c) throws Exception {
    k = c.client();
    mesh = NetnsMesh.start(c);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  static NetnsMesh netns() {
    return (NetnsMesh) mesh;
  }

  @Test
  void everySidecarHoldsATlsXdsStreamAndPlaintextXdsIsOff() {
    // every sidecar holds an xDS stream, and the only one there is: TLS on 15012 with its pod's
    // token (plaintext 15010 is off in the chart's defaults)
    for (PodRunner.Running pod : netns().runner.podsWithPrefix(NS, "")) {
      assertThat(MeshNetwork.sh(false, "ip", "netns", "exec", pod.netns(), "curl", "-s",
          "127.0.0.1:15000/stats?filter=control_plane.connected_state")).contains("control_plane.connected_state: 1");
      assertThat(MeshNetwork.sh(false, "ip", "netns", "exec", pod.netns(), "curl", "-s",
          "127.0.0.1:15000/config_dump")).contains("envoy.grpc_credentials.file_based_metadata")
          .contains("bosun.istio-system.svc:15012");
    }
    assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "http://bosun.istio-system.svc:15010/"))
        .as("plaintext xDS refused").isEqualTo("000");
  }

  @Test
  void aTinyConnectionPoolOverflowsWith503() {
    apply("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          host: ratings
          trafficPolicy:
            connectionPool:
              tcp: {maxConnections: 1}
              http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
        """);
    // overflow needs a request to arrive while one is active and one pending: rare with 2 clients
    // (as in Istio's walk-through), so rounds are added up until it has shown
    Map<String, Integer> codes = new TreeMap<>();
    for (int round = 0; round < 10 && codes.getOrDefault("503", 0) == 0; round++) {
      overflow().forEach((code, n) -> codes.merge(code, n, Integer::sum));
    }
    report("maxConnections 1, 2 concurrent clients", codes);
    assertThat(codes.getOrDefault("503", 0)).isPositive();
    assertThat(codes.getOrDefault("200", 0)).isPositive();
  }

  @Test
  void outlierDetectionEjectsAFailingPod() {
    // no retries: the mesh's default would retry the failing pod's 503 on the healthy one
    apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http: [{retries: {attempts: 0}, route: [{destination: {host: ratings}}]}]
        """);
    apply(deployment("ratings-broken", "ratings", "broken", "bosun-e2e/echo:1", Map.of("ECHO_STATUS", "503")));
    try {
      await("the failing ratings pod with its sidecar").atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
          netns().readySidecars() == 8);
      await("both ratings pods reached").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
        String s = curl("-w", " %{http_code}", "http://ratings:9080/?x=1");
        return s.startsWith("ratings broken") && s.endsWith(" 503");
      });
      apply("""
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: {name: ratings, namespace: bookinfo}
          spec:
            host: ratings
            trafficPolicy:
              outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}
          """);
      long applied = System.nanoTime();
      // well under a second; under 10 s also rules out the re-created cluster waiting for Envoy's
      // 15 s initial fetch timeout (its endpoints left out of the push: see LenientWatcher)
      await("the outlier detection at the client's sidecar").atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .until(() -> mesh.clientShell("curl -s '127.0.0.1:15000/config_dump?resource=dynamic_active_clusters'")
          .contains("\"consecutive_5xx\": 1"));
      System.out.printf("[outlier detection] the outlier policy active at the client after %d ms%n",
          (System.nanoTime() - applied) / 1_000_000);
      // the first failure from the broken pod ejects it; afterwards only the healthy pod answers
      Map<String, Integer> warmup = statusCodes(50, true);
      Map<String, Integer> after = statusCodes(100, false);
      String ejections = mesh.clientShell(
          "curl -s '127.0.0.1:15000/stats?filter=outbound.9080..ratings.*ejections_enforced_total'")
          .strip();
      report("outlier detection: until the first failure", warmup);
      report("outlier detection: the next 100", after);
      System.out.println("[outlier detection] client sidecar: " + ejections);
      assertThat(after).isEqualTo(Map.of("200", 100));
      assertThat(ejections).matches("(?s).*ejections_enforced_total: [1-9].*");
    } finally {
      k.apps().deployments().inNamespace(NS).withName("ratings-broken").delete();
      k.resources(DestinationRule.class).inNamespace(NS).withName("ratings")
          .delete();
      await("the failing pod gone").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
          netns().runner.podsWithPrefix(NS, "ratings-broken").isEmpty()
          && netns().readySidecars() == 7);
    }
  }

  /** Status codes of up to {@code n} sequential requests to ratings from the client pod, counted. */
  static Map<String, Integer> statusCodes(int n, boolean untilA503) {
    String out = mesh.clientShell(
        "for i in $(seq " + n + "); do c=$(curl -s -m 10 -o /dev/null -w '%{http_code}' http://ratings:9080/);"
            + " echo $c; " + (untilA503 ? "[ \"$c\" = 503 ] && break; " : "") + "done");
    return tally(out);
  }

  /** 200 requests from 2 concurrent clients in the client pod (as Istio's walk-through), by status code. */
  static Map<String, Integer> overflow() {
    String out = mesh.clientShell(
        "seq 200 | xargs -P 2 -I{} curl -s -m 10 -o /dev/null -w '%{http_code}\\n' 'http://ratings:9080/'");
    return tally(out);
  }

  @Test
  void ingressThroughTheGatewayChartWithHostRoutesAndATlsSecret() throws Exception {
    Certificates ca = Certificates.newAuthority("ingress-ca", Duration.ofDays(1));
    Certificates.Issued cert = ca.issue(List.of("bookinfo.example.com"), Duration.ofDays(1));
    k.secrets().inNamespace("istio-system").resource(new SecretBuilder()
        .withNewMetadata().withName("bookinfo-cert").endMetadata().withType("kubernetes.io/tls")
        .addToStringData("tls.crt", cert.certificatePem()).addToStringData("tls.key", cert.privateKeyPem())
        .build()).create();
    Helm.run("install", "istio-ingressgateway", Helm.chart("bosun-gateway"), "-n", "istio-system", "--set",
        "service.type=ClusterIP", "--kubeconfig", netns().cluster.kubeconfigPath().toString());
    apply(REVIEWS_SUBSETS);
    apply("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: bookinfo-gateway, namespace: bookinfo}
        spec:
          selector: {istio: ingressgateway}
          servers:
          - port: {number: 8080, name: http, protocol: HTTP}
            hosts: [bookinfo.example.com]
          - port: {number: 8443, name: https, protocol: HTTPS}
            hosts: [bookinfo.example.com]
            tls: {mode: SIMPLE, credentialName: bookinfo-cert}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: bookinfo, namespace: bookinfo}
        spec:
          hosts: [bookinfo.example.com]
          gateways: [bookinfo-gateway]
          http:
          - match: [{uri: {exact: /reviews}}]
            route: [{destination: {host: reviews, subset: v1}}]
          - match: [{uri: {prefix: /ratings}}]
            route: [{destination: {host: ratings}}]
        """);
    await("the gateway pod").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
        !netns().runner.podsWithPrefix("istio-system", "istio-ingressgateway").isEmpty());
    String gw = netns().runner.podsWithPrefix("istio-system", "istio-ingressgateway").get(0).ip();
    await("the gateway routing").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> raw(gw, 8080,
        "bookinfo.example.com", "/reviews").contains("reviews v1"));
    assertThat(raw(gw, 8080, "bookinfo.example.com", "/ratings/7")).contains("ratings v1");
    assertThat(raw(gw, 8080, "bookinfo.example.com", "/reviewsx")).as("exact match only").startsWith("HTTP/1.1 404");
    assertThat(raw(gw, 8080, "other.example.com", "/reviews")).as("host matching").startsWith("HTTP/1.1 404");
    SSLContext tls = SSLContext.getInstance("TLS");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.authority().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    tls.init(null, tmf.getTrustManagers(), null);
    String https;
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(gw, 8443)) {
      SSLParameters params = socket.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName("bookinfo.example.com")));
      socket.setSSLParameters(params);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      assertThat(((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName()).isEqualTo("CN=bookinfo.example.com");
      socket.getOutputStream().write("GET /reviews HTTP/1.1\r\nHost: bookinfo.example.com\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      https = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(https).startsWith("HTTP/1.1 200").contains("reviews v1");
    System.out.println("[ingress] ingress via bosun-gateway: exact and prefix routes, host matching, HTTPS with"
        + " the Secret's certificate");
  }

  /**
   * A VM joins the mesh as Istio's VMs do: a WorkloadGroup, {@code bosunctl workload entry
   * configure} for its files, the WorkloadEntry applied, plain Envoy on the VM (its own network
   * namespace, no Pod) with interception rules. A meshed pod reaches it by its Service's name, and
   * it reaches a meshed service, both over mutual TLS with each side's identity.
   */
  @Test
  void aVmJoinsTheMeshAsAWorkloadEntry(@TempDir Path dir) throws Exception {
    String vmIp = "10.214.0.200";
    apply("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: vmapp, namespace: bookinfo}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: vmapp, namespace: bookinfo}
        spec: {selector: {app: vmapp}, ports: [{name: http, port: 9080, targetPort: 9080}]}
        """);
    Path group = dir.resolve("group.yaml");
    Files.writeString(group, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: vmapp, namespace: bookinfo}
        spec:
          metadata: {labels: {app: vmapp, version: vm}}
          template: {serviceAccount: vmapp}
        """);
    apply(Files.readString(group));
    Path out = dir.resolve("vm-1");
    assertThat(Bosunctl.run("workload", "entry", "configure", "-f", group.toString(), "--address", vmIp,
        "--name", "vm-1", "-o", out.toString(), "--install-dir", out.toString(), "--kubeconfig",
        netns().cluster.kubeconfigPath().toString())).isZero();
    // as an installation on a VM would: the proxy's user reads its token
    MeshNetwork.sh(true, "chown", "-R", "1337:1337", out.toString());
    MeshNetwork.sh(true, "chmod", "755", dir.toString());
    apply(Files.readString(out.resolve("workloadentry.yaml")));
    try {
      netns().runner.startVm("vm-1", NS, vmIp, out.resolve("envoy.yaml"), "vmapp", 9080);
      String clusterIp = k.services().inNamespace(NS).withName("vmapp").get().getSpec().getClusterIP();
      await("the VM served by its Service's name").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> curl("-H", "Host: vmapp", "http://" + clusterIp + ":9080/?headers=1").startsWith("vmapp vm"));
      String in = curl("-H", "Host: vmapp", "http://" + clusterIp + ":9080/?headers=1");
      assertThat(in).as("the VM's sidecar names the caller").contains(
          "x-forwarded-client-cert: By=spiffe://cluster.local/ns/bookinfo/sa/vmapp")
          .contains("URI=spiffe://cluster.local/ns/bookinfo/sa/default");
      String netnsName = netns().runner.vmNetns("vm-1");
      String outbound = MeshNetwork.sh(false, "ip", "netns", "exec", netnsName, "curl", "-s", "-m", "10",
          "http://ratings:9080/?headers=1");
      assertThat(outbound).as("the VM reaches a meshed service through its own sidecar").startsWith("ratings v1")
          .contains("URI=spiffe://cluster.local/ns/bookinfo/sa/vmapp");
      // its health, as whatever checks the VM reports it: the entry's Healthy condition
      healthy("vm-1", "False");
      await("an unhealthy VM gets no traffic").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: vmapp",
              "http://" + clusterIp + ":9080/").equals("503"));
      healthy("vm-1", "True");
      await("healthy again").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> curl("-H", "Host: vmapp", "http://" + clusterIp + ":9080/").startsWith("vmapp vm"));
      System.out.println("[vm] a WorkloadEntry at " + vmIp + ": reached from a pod by its Service's name, and"
          + " reaching ratings, both over mutual TLS with each side's SPIFFE id; out of rotation while its"
          + " Healthy condition is False");
    } finally {
      netns().runner.stopVm("vm-1");
      k.genericKubernetesResources("networking.istio.io/v1", "WorkloadEntry").inNamespace(NS).withName("vm-1")
          .delete();
      k.genericKubernetesResources("networking.istio.io/v1", "WorkloadGroup").inNamespace(NS).withName("vmapp")
          .delete();
      k.services().inNamespace(NS).withName("vmapp").delete();
      k.serviceAccounts().inNamespace(NS).withName("vmapp").delete();
    }
  }

  /** Sets a WorkloadEntry's Healthy condition as a health reporter would: its own field manager, on status. */
  static void healthy(String entry, String status) {
    k.genericKubernetesResources("networking.istio.io/v1", "WorkloadEntry").inNamespace(NS).withName(entry)
        .subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager("vm-health").withForce(true).build(), """
            {"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
             "metadata": {"name": "%s", "namespace": "%s"},
             "status": {"conditions": [{"type": "Healthy", "status": "%s", "reason": "Probe"}]}}
            """.formatted(entry, NS, status));
  }

  static String raw(String host, int port, String hostHeader, String path) {
    try (Socket s = new Socket(host, port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  @Test
  void egressUnderRegistryOnlyNeedsAServiceEntry() throws Exception {
    String[] meshBefore = {null};
    try (EchoServer external = new EchoServer("external", "v1", MeshNetwork.GATEWAY, 0)) {
      String url = "http://" + MeshNetwork.GATEWAY + ":" + external.port() + "/";
      k.configMaps().inNamespace("istio-system").withName("istio").edit(cm -> {
        meshBefore[0] = cm.getData().get("mesh");
        cm.getData().put("mesh", "outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n");
        return cm;
      });
      await("REGISTRY_ONLY blocks the unknown host").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() ->
          !curl("-H", "Host: api.partner.example", url)
          .startsWith("external"));
      apply("""
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: partner, namespace: bookinfo}
          spec:
            hosts: [api.partner.example]
            location: MESH_EXTERNAL
            resolution: STATIC
            ports: [{name: http, number: %d, protocol: HTTP}]
            endpoints: [{address: %s}]
          """.formatted(external.port(), MeshNetwork.GATEWAY));
      await("the ServiceEntry opens it").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> curl("-H",
          "Host: api.partner.example", url)
          .startsWith("external v1"));
      assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: other.example", url))
          .as("another host on the same address and port stays blocked").isEqualTo("502");
      System.out.println("[egress] REGISTRY_ONLY: blocked until the ServiceEntry, then served; others 502");
    } finally {
      k.configMaps().inNamespace("istio-system").withName("istio").edit(cm -> {
        cm.getData().put("mesh", meshBefore[0]);
        return cm;
      });
    }
  }

  @Test
  void removingTheNamespaceLabelStopsInjectionForNewPodsOnly() throws InterruptedException {
    k.namespaces().withName(NS).edit(n -> {
      n.getMetadata().getLabels().remove("istio-injection");
      return n;
    });
    try {
      // the webhook reads the namespace from its informer: give the label change a moment to arrive
      Thread.sleep(1000);
      apply(deployment("late", "late", "v1", "bosun-e2e/echo:1"));
      await("the new pod").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> !k.pods().inNamespace(NS).withLabel("app", "late").list().getItems().isEmpty());
      Pod late = k.pods().inNamespace(NS).withLabel("app", "late").list().getItems().get(0);
      assertThat(late.getSpec().getInitContainers()).as("no sidecar for a new pod").isEmpty();
      assertThat(curl("http://reviews:9080/")).as("existing pods keep working").startsWith("reviews");
      System.out.println("[namespace label] removed: new pod without sidecar, existing mesh still serving");
      // containment: a pod nobody intercepts still cannot send a packet off the machine
      await("the unmeshed pod running").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> !netns().runner.podsWithPrefix(NS, "late").isEmpty());
      PodRunner.Running plain = netns().runner.podsWithPrefix(NS, "late").get(0);
      assertThat(MeshNetwork.sh(false, "ip", "netns", "exec", plain.netns(), "curl", "-s", "-m", "3", "-o",
          "/dev/null", "-w", "%{http_code}", "http://198.51.100.7/")).isEqualTo("000");
      assertThat(MeshNetwork.sh(true, "iptables", "-S", "FORWARD")).contains("-i " + MeshNetwork.BRIDGE + " ! -o "
          + MeshNetwork.BRIDGE + " -j DROP");
    } finally {
      k.apps().deployments().inNamespace(NS).withName("late").delete();
      k.namespaces().withName(NS).edit(n -> {
        n.getMetadata().getLabels().put("istio-injection", "enabled");
        return n;
      });
      await("the unmeshed pod gone").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> netns().runner.podsWithPrefix(NS, "late").isEmpty());
    }
  }

  static String deployment(String name, String app, String version, String image) {
    return deployment(name, app, version, image, "");
  }

  /** An app Deployment; {@code upstreams} (the echo app's ECHO_UPSTREAMS) are the services it calls. */
  static String deployment(String name, String app, String version, String image, String upstreams) {
    return deployment(name, app, version, image, Map.of("ECHO_UPSTREAMS", upstreams));
  }

  static String deployment(String name, String app, String version, String image, Map<String, String> env) {
    StringBuilder envYaml = new StringBuilder();
    new TreeMap<>(env).forEach((n, v) -> envYaml.append(", ")
        .append("{name: ").append(n).append(", value: \"").append(v).append("\"}"));
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %1$s, namespace: bookinfo}
        spec:
          replicas: 1
          selector: {matchLabels: {app: %2$s, version: %3$s}}
          template:
            metadata: {labels: {app: %2$s, version: %3$s}}
            spec:
              containers:
              - name: app
                image: "%4$s"
                ports: [{containerPort: 9080}]
                env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}%5$s]
        ---
        """.formatted(name, app, version, image, envYaml);
  }

  static int http(String url) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

}
