package io.bosun.e2e.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.cli.Bosunctl;
import io.bosun.e2e.cluster.RealCluster;
import io.bosun.e2e.cluster.RealClusterExtension.WithRealCluster;
import io.bosun.monitoring.MetricNames;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's tools on the real API server, as an operator uses them: {@code bosunctl
 * proxy-status} and {@code proxy-config} with only a kubeconfig, reaching Bosun's monitoring port
 * and each sidecar's Envoy admin through the API server's pod port-forward (which kwok's server
 * answers for the fake node, into the pod's network namespace: see {@code PodRunner}); and Bosun's
 * {@code /metrics}, scraped through the same port-forward after known events.
 *
 * <p>The NACK is one Istio users meet too: a DestinationRule naming a CA file the proxy does not
 * have. Bosun cannot know a proxy's files, so it accepts the rule; Envoy rejects the cluster.
 */
@WithRealCluster(controllers = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorToolsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = MeshScenarios.NS;
  private static final List<String> XDS_TYPES = List.of("CDS", "LDS", "EDS", "RDS", "SDS");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static NetnsMesh mesh;
  private static KubernetesClient k;
  private static String kubeconfig;

  @BeforeAll
  static void start(RealCluster c) throws Exception {
    k = c.client();
    kubeconfig = c.kubeconfigPath().toString();
    mesh = NetnsMesh.start(c);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  /** Runs bosunctl with the test cluster's kubeconfig; its output, asserting it exits 0. */
  private static String bosunctl(String... args) {
    List<String> argv = new ArrayList<>(List.of(args));
    argv.addAll(List.of("--kubeconfig", kubeconfig));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Bosunctl.run(new PrintWriter(out), new PrintWriter(err), argv.toArray(String[]::new));
    assertThat(rc).as("bosunctl %s: %s", String.join(" ", argv), err).isZero();
    return out.toString();
  }

  /** A table's body rows, cells split where the columns are (three or more spaces). */
  private static List<List<String>> rows(String table) {
    return table.lines().skip(1).map(l -> Arrays.asList(l.strip().split("\\s{3,}"))).toList();
  }

  private static List<Pod> bookinfoPods() {
    return k.pods().inNamespace(NS).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  @Test
  void proxyStatusThroughThePortForwardShowsEverySidecarSynced() {
    Set<String> sidecars = bookinfoPods().stream().map(p -> p.getMetadata().getName() + "." + NS)
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(sidecars).hasSize(Bookinfo.PODS);
    // every type SYNCED: the sidecars take their mesh certificate over SDS from Bosun too
    Map<String, List<String>> expected = new TreeMap<>();
    sidecars.forEach(s -> expected.put(s, List.of("SYNCED", "SYNCED", "SYNCED", "SYNCED", "SYNCED")));
    await("proxy-status shows every bookinfo sidecar SYNCED").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> states(bosunctl("proxy-status"), sidecars::contains), expected::equals);

    String bosunPod = MeshScenarios.bosunPods(k).get(0).getMetadata().getName();
    String one = bosunctl("proxy-status", sidecars.iterator().next());
    assertThat(one.lines().findFirst().orElseThrow())
        .matches("NAME +CLUSTER +CDS +LDS +EDS +RDS +SDS +BOSUN +VERSION");
    assertThat(rows(one)).singleElement().satisfies(r -> {
      assertThat(r.get(0)).isEqualTo(sidecars.iterator().next());
      assertThat(r.get(7)).as("the replica that answered").isEqualTo(bosunPod);
    });
  }

  /** Each listed proxy's CDS, LDS, EDS, RDS and SDS states, for the proxies {@code which} accepts. */
  private static Map<String, List<String>> states(String table, Predicate<String> which) {
    Map<String, List<String>> out = new TreeMap<>();
    for (List<String> r : rows(table)) {
      if (which.test(r.get(0))) {
        out.put(r.get(0), r.subList(2, 2 + XDS_TYPES.size()));
      }
    }
    return out;
  }

  @Test
  void proxyConfigThroughThePortForwardAgreesWithEnvoysOwnConfigDump() throws Exception {
    for (Pod pod : bookinfoPods()) {
      String name = pod.getMetadata().getName();
      String proxy = name + "." + NS;
      // what the Envoy itself holds, read inside its pod (not through the tools under test)
      JsonNode dump = JSON.readTree(MeshNetwork.sh(false, "ip", "netns", "exec", mesh.runner.pod(NS, name).netns(),
          "curl", "-s", "127.0.0.1:" + PodRunner.ENVOY_ADMIN_PORT + "/config_dump"));

      Set<String> clusters = new TreeSet<>();
      for (JsonNode c : configs(dump, "ClustersConfigDump", "static_clusters", "dynamic_active_clusters")) {
        clusters.add(clusterRow(c.path("cluster").path("name").asText()));
      }
      Set<String> shown = new TreeSet<>();
      rows(bosunctl("proxy-config", "cluster", proxy)).forEach(r -> shown.add(String.join(" ", r.subList(0, 4))));
      assertThat(shown).as("%s clusters", proxy).isEqualTo(clusters)
          .contains("reviews.bookinfo.svc.cluster.local 9080 - outbound");

      Set<String> listeners = new TreeSet<>();
      for (JsonNode l : configs(dump, "ListenersConfigDump", "static_listeners", "dynamic_listeners")) {
        JsonNode socket = (l.has("active_state") ? l.path("active_state") : l).path("listener").path("address")
            .path("socket_address");
        listeners.add(socket.path("address").asText() + " " + socket.path("port_value").asText());
      }
      Set<String> listed = new TreeSet<>();
      // the first address: Envoy's socket_address (additional ones follow it, comma-separated)
      rows(bosunctl("proxy-config", "listener", proxy))
          .forEach(r -> listed.add(r.get(0).split(",")[0] + " " + r.get(1)));
      assertThat(listed).as("%s listeners", proxy).isEqualTo(listeners).contains("0.0.0.0 15001", "0.0.0.0 15006");

      Set<String> routes = new TreeSet<>();
      for (JsonNode rc : configs(dump, "RoutesConfigDump", "static_route_configs", "dynamic_route_configs")) {
        String routeName = rc.path("route_config").path("name").asText();
        rc.path("route_config").path("virtual_hosts").forEach(vh ->
            routes.add((routeName.isEmpty() ? "-" : routeName) + " " + vh.path("name").asText()));
      }
      Set<String> routed = new TreeSet<>();
      rows(bosunctl("proxy-config", "route", proxy)).forEach(r -> routed.add(r.get(0) + " " + r.get(1)));
      assertThat(routed).as("%s routes", proxy).isEqualTo(routes)
          .contains("9080 reviews.bookinfo.svc.cluster.local:9080");

      Set<String> secrets = new TreeSet<>();
      configs(dump, "SecretsConfigDump", "static_secrets", "dynamic_active_secrets")
          .forEach(s -> secrets.add(s.path("name").asText()));
      String secretTable = bosunctl("proxy-config", "secret", proxy);
      Set<String> named = new TreeSet<>();
      rows(secretTable).forEach(r -> named.add(r.get(0)));
      assertThat(named).as("%s secrets", proxy).isEqualTo(secrets).contains("default", "ROOTCA");
      for (String format : List.of("short", "json", "yaml")) {
        assertThat(bosunctl("proxy-config", "secret", proxy, "-o", format)).as("%s secrets as %s", proxy, format)
            .doesNotContain("PRIVATE KEY").doesNotContain("private_key");
      }
    }
  }

  @Test
  void proxyConfigEndpointsAreTheServicesReadyPods() {
    String proxy = clientPod() + "." + NS;
    for (String service : List.of("productpage", "details", "reviews", "ratings")) {
      String cluster = "outbound|9080||" + service + "." + NS + ".svc.cluster.local";
      Set<String> pods = k.pods().inNamespace(NS).withLabel("app", service).list().getItems().stream()
          .map(p -> p.getStatus().getPodIP() + ":9080").collect(Collectors.toCollection(TreeSet::new));
      await(cluster + " endpoints").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> rows(bosunctl("proxy-config", "endpoint", proxy)).stream()
              .filter(r -> r.get(3).equals(cluster)).map(r -> r.get(0) + " " + r.get(1))
              .collect(Collectors.toCollection(TreeSet::new)),
              shown -> shown.equals(pods.stream().map(p -> p + " HEALTHY")
                  .collect(Collectors.toCollection(TreeSet::new))));
    }
  }

  @Test
  void metricsCountInjectionsConfigEventsAndPushes() throws Exception {
    Map<String, Double> before = scrape();
    // an injection and a skip, with server-side dry runs: the webhook is called (sideEffects None)
    // and no pod is created
    Pod injected = k.pods().inNamespace(NS).resource(pod("tools-injected", Map.of())).dryRun().create();
    MeshScenarios.assertInjected(List.of(injected));
    Pod skipped = k.pods().inNamespace(NS).resource(pod("tools-skipped", Map.of("sidecar.istio.io/inject", "false")))
        .dryRun().create();
    assertThat(skipped.getSpec().getInitContainers()).as("the skipped pod is not injected").isEmpty();
    await("the injection counted").atMost(Duration.ofSeconds(10)).until(() -> {
      Map<String, Double> now = scrape();
      return delta(before, now, MetricNames.INJECTION_REQUESTS + "_total") == 2
          && delta(before, now, MetricNames.INJECTION_SUCCESS + "_total") == 1
          && delta(before, now, MetricNames.INJECTION_SKIP + "_total") == 1
          && delta(before, now, MetricNames.INJECTION_FAILURE + "_total") == 0;
    });

    String added = MetricNames.CONFIG_EVENTS + "_total{event=\"add\",type=\"VirtualService\"}";
    String rdsPushes = MetricNames.XDS_PUSHES + "_total{type=\"rds\"}";
    Map<String, Double> beforeVs = scrape();
    MeshScenarios.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tools-ratings, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http: [{timeout: 7s, route: [{destination: {host: ratings}}]}]
        """);
    try {
      await("the VirtualService counted and pushed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            Map<String, Double> now = scrape();
            return delta(beforeVs, now, added) == 1 && delta(beforeVs, now, rdsPushes) >= Bookinfo.PODS
                && now.getOrDefault(MetricNames.VIRTUAL_SERVICES, 0.0) >= 1;
          });
    } finally {
      k.resources(VirtualService.class).inNamespace(NS).withName("tools-ratings").delete();
    }

    Map<String, Double> now = scrape();
    long connected = rows(bosunctl("proxy-status")).size();
    assertThat(sum(now, MetricNames.XDS + "{")).as("pilot_xds, summed over its labels").isEqualTo(connected);
    // the version the injected bootstraps carry: the Bosun that injected them, this build
    assertThat(now.get(MetricNames.XDS + "{type=\"sidecar\",version=\"" + EnvoyBootstraps.version() + "\"}"))
        .isEqualTo(Bookinfo.PODS);
    assertThat(now.get(MetricNames.SERVICES)).as("pilot_services").isGreaterThanOrEqualTo(4);
    assertThat(sum(now, MetricNames.XDS_REJECTS + "_total{")).as("no NACKs").isZero();
  }

  /**
   * explain through the port-forward to Bosun, for the client's sidecar: the route and subset it
   * names for each request are where the same request from the client pod went.
   */
  @Test
  void explainNamesTheSubsetTheClientsSidecarSendsEachRequestTo() throws Exception {
    MeshScenarios.apply(k, MeshScenarios.REVIEWS_SUBSETS + "---\n" + MeshScenarios.reviewsVs(100, 0));
    String client = clientPod() + "." + NS;
    try {
      await("jason's route at the client's sidecar").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> mesh.clientShell("curl -s -m 5 -H 'end-user: jason' http://reviews:9080/").startsWith(
              "reviews v2") && mesh.clientShell("curl -s -m 5 http://reviews:9080/").startsWith("reviews v1"));
      for (String user : List.of("jason", "bob")) {
        JsonNode e = JSON.readTree(bosunctl("explain", client, "http://reviews:9080/reviews/0", "-H",
            "end-user: " + user, "-o", "json"));
        assertThat(e.at("/listener/name").asText()).isEqualTo("0.0.0.0_9080");
        assertThat(e.at("/routeConfig").asText()).isEqualTo("9080");
        String cluster = e.at("/clusters/0/name").asText();
        String subset = cluster.split("\\|")[2];
        assertThat(cluster).isEqualTo("outbound|9080|" + subset + "|reviews.bookinfo.svc.cluster.local");
        assertThat(subset).isEqualTo(user.equals("jason") ? "v2" : "v1");
        // the endpoints explain lists are that subset's pods
        List<String> ips = bookinfoPods().stream()
            .filter(p -> p.getMetadata().getName().startsWith("reviews-" + subset + "-"))
            .map(p -> p.getStatus().getPodIP() + ":9080").toList();
        assertThat(e.at("/clusters/0/endpoints").findValuesAsText("address")).containsExactlyInAnyOrderElementsOf(ips);
        String answer = mesh.clientShell("curl -s -m 5 -H 'end-user: " + user + "' http://reviews:9080/reviews/0");
        assertThat(answer).as("where the client's sidecar sent %s", user).startsWith("reviews " + subset);
      }
    } finally {
      k.resources(VirtualService.class).inNamespace(NS).withName("reviews").delete();
      k.resources(DestinationRule.class).inNamespace(NS).withName("reviews").delete();
    }
  }

  /** analyze on the live cluster: the running mesh is clean; a route to a host that does not exist is an error. */
  @Test
  void analyzeReadsTheLiveClusterAndReportsABrokenRoute() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int clean = Bosunctl.run(new PrintWriter(out), new PrintWriter(err), "analyze", "-n", NS, "--kubeconfig",
        kubeconfig);
    assertThat(clean).as("analyze -n %s: %s%s", NS, out, err).isZero();
    assertThat(out.toString()).contains("No validation issues found when analyzing namespace: " + NS);

    MeshScenarios.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tools-broken, namespace: bookinfo}
        spec:
          hosts: [ratings]
          http: [{route: [{destination: {host: ratingz}}]}]
        """);
    try {
      StringWriter found = new StringWriter();
      int rc = Bosunctl.run(new PrintWriter(found), new PrintWriter(new StringWriter()), "analyze", "-n", NS,
          "--kubeconfig", kubeconfig);
      assertThat(rc).as("an Error exits 1: %s", found).isEqualTo(1);
      assertThat(found.toString()).contains("Error [BSN0101] (VirtualService bookinfo/tools-broken)")
          .contains("ratingz.bookinfo.svc.cluster.local");
    } finally {
      k.resources(VirtualService.class).inNamespace(NS).withName("tools-broken").delete();
    }
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: the other tests expect no NACK (this one leaves every proxy SYNCED again)
  void proxyStatusShowsErrorWhileEnvoyRejectsAClusterAndTheRejectIsCounted() throws Exception {
    String client = clientPod() + "." + NS;
    String cdsRejects = MetricNames.XDS_REJECTS + "_total{type=\"cds\"}";
    Map<String, Double> before = scrape();
    MeshScenarios.apply(k, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: tools-ratings-tls, namespace: bookinfo}
        spec:
          host: ratings
          trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/bosun-e2e/no-such-ca.pem}}
        """);
    try {
      // only CDS was rejected: the other types stay SYNCED
      await("CDS in ERROR for " + client).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> states(bosunctl("proxy-status", client), client::equals).get(client),
              List.of("ERROR", "SYNCED", "SYNCED", "SYNCED", "SYNCED")::equals);
      await("the reject counted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
          .until(() -> delta(before, scrape(), cdsRejects) >= 1);
    } finally {
      k.resources(DestinationRule.class).inNamespace(NS).withName("tools-ratings-tls").delete();
    }
    await("CDS SYNCED again once the rule is gone").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> states(bosunctl("proxy-status", client), client::equals).get(client),
            s -> s != null && s.get(0).equals("SYNCED"));
  }

  private static Pod pod(String name, Map<String, String> annotations) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).addToLabels("app", "tools")
        .addToAnnotations(annotations).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("bosun-e2e/client:1").endContainer().endSpec()
        .build();
  }

  private static String clientPod() {
    return k.pods().inNamespace(NS).withLabel("app", "client").list().getItems().get(0).getMetadata().getName();
  }

  /**
   * Bosun's {@code /metrics} through the API server's port-forward to its pod, as samples keyed by
   * {@code name{label="value",...}} with the labels sorted ({@code name} alone when it has none).
   */
  private static Map<String, Double> scrape() throws IOException, InterruptedException {
    Pod bosun = MeshScenarios.bosunPods(k).get(0);
    String text;
    try (LocalPortForward forward = k.pods().inNamespace(bosun.getMetadata().getNamespace())
        .withName(bosun.getMetadata().getName()).portForward(15014)) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + forward.getLocalPort() + "/metrics")).timeout(Duration.ofSeconds(10))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("/metrics").isEqualTo(200);
      text = r.body();
    }
    Map<String, Double> samples = new TreeMap<>();
    for (String line : text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList()) {
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as("a sample line: %s", line).isTrue();
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      String key = labels.isEmpty() ? m.group(1) : m.group(1) + labels.entrySet().stream()
          .map(e -> e.getKey() + "=\"" + e.getValue() + "\"").collect(Collectors.joining(",", "{", "}"));
      samples.put(key, Double.parseDouble(m.group(3)));
    }
    return samples;
  }

  private static double delta(Map<String, Double> before, Map<String, Double> after, String key) {
    return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
  }

  private static double sum(Map<String, Double> samples, String prefix) {
    return samples.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue)
        .sum();
  }

  /** The entries of the config dump's {@code section} under each of {@code keys}. */
  private static List<JsonNode> configs(JsonNode dump, String section, String... keys) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode c : dump.path("configs")) {
      if (c.path("@type").asText().endsWith("." + section)) {
        for (String key : keys) {
          c.path(key).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** What proxy-config's cluster table shows first for a cluster: FQDN, port, subset, direction. */
  private static String clusterRow(String name) {
    String[] p = name.split("\\|", -1);
    if (p.length == 4 && (p[0].equals("outbound") || p[0].equals("inbound"))) {
      return (p[3].isEmpty() ? "-" : p[3]) + " " + p[1] + " " + (p[2].isEmpty() ? "-" : p[2]) + " " + p[0];
    }
    return name + " - - -";
  }
}
