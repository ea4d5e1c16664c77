package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.xds.status.ProxyStatusReport;
import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The proxy-status table, from a real tracker's report through its JSON, as bosunctl reads it. */
class ProxyStatusCommandTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String NODE = "sidecar~10.0.0.7~productpage-v1-abc.default~default.svc.cluster.local";

  private final SyncTracker tracker = new SyncTracker(node -> "g");

  private DiscoveryRequest request(String typeUrl, String nonce) {
    return DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(NODE).setMetadata(Struct.newBuilder()
            .putFields("ISTIO_VERSION", Value.newBuilder().setStringValue("1.29.0").build())))
        .setTypeUrl(typeUrl).setResponseNonce(nonce).build();
  }

  private void send(String typeUrl, String version, String nonce) {
    tracker.onV3StreamResponse(1, DiscoveryRequest.getDefaultInstance(),
        DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setVersionInfo(version).setNonce(nonce).build());
  }

  @Test
  void showsSyncedStaleNotSentAndErrorPerTypeWithTheReplica() throws Exception {
    tracker.onV3StreamRequest(1, request(CDS, ""));
    send(CDS, "v1", "c1");
    tracker.onV3StreamRequest(1, request(CDS, "c1")); // ACK of the latest: SYNCED
    send(LDS, "v1", "l1"); // sent, not answered: STALE
    send(EDS, "v1", "e1");
    // a NACK (error_detail, field 6, a google.rpc.Status with message "bad"): ERROR
    tracker.onV3StreamRequest(1, request(EDS, "e1").toBuilder()
        .mergeFrom(new byte[] {0x32, 5, 0x12, 3, 'b', 'a', 'd'}).build());

    ObjectMapper json = new ObjectMapper();
    JsonNode report = json.readTree(json.writeValueAsString(ProxyStatusReport.of(tracker, "bosun-7d9f-x2", "1.2")));
    String table = ProxyStatusCommand.table(List.of(report), null).toString();

    assertThat(table.lines().toList()).containsExactly(
        "NAME                         CLUSTER      CDS      LDS     EDS     RDS        SDS        BOSUN           VERSION",
        "productpage-v1-abc.default   Kubernetes   SYNCED   STALE   ERROR   NOT SENT   NOT SENT   bosun-7d9f-x2   1.29.0");
    assertThat(ProxyStatusCommand.table(List.of(report), "productpage-v1-abc").size()).isEqualTo(1);
    assertThat(ProxyStatusCommand.table(List.of(report), "productpage-v1-abc.default").size()).isEqualTo(1);
    assertThat(ProxyStatusCommand.table(List.of(report), "reviews").size()).isZero();
  }

  @Test
  void namesProxiesByPodAndNamespaceElseByNodeId() {
    assertThat(ProxyStatusCommand.name(NODE)).isEqualTo("productpage-v1-abc.default");
    assertThat(ProxyStatusCommand.name("demo-gateway")).isEqualTo("demo-gateway");
  }

  @Test
  void colourOnlyWhenAskedAndHelpHasExamples() {
    StringWriter out = new StringWriter();
    CommandLine line = Cli.commandLine(new Bosunctl(), "bosunctl");
    line.setOut(new PrintWriter(out));
    assertThat(line.execute("proxy-status", "--help")).isZero();
    assertThat(out.toString()).contains("Examples:", "bosunctl proxy-status --bosun-address").doesNotContain("\u001b[");
  }

  @Test
  void unreachableBosunIsAFriendlyError() {
    StringWriter err = new StringWriter();
    CommandLine line = Cli.commandLine(new Bosunctl(), "bosunctl");
    line.setErr(new PrintWriter(err));
    assertThat(line.execute("proxy-status", "--bosun-address", "127.0.0.1:1")).isEqualTo(1);
    assertThat(err.toString()).startsWith("bosunctl: cannot reach Bosun at http://127.0.0.1:1");
  }

  @Test
  void aKubeconfigThatCannotBeReadIsAFriendlyError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    for (String command : List.of("proxy-status", "proxy-config cluster pod-1.default")) {
      List<String> argv = new ArrayList<>(List.of(command.split(" ")));
      argv.addAll(List.of("--kubeconfig", "/nonexistent/kubeconfig", "--context", "east"));
      assertThat(Bosunctl.run(new PrintWriter(out), new PrintWriter(err), argv.toArray(String[]::new)))
          .as(command).isEqualTo(1);
    }
    assertThat(err.toString().lines().toList()).containsExactly(
        "bosunctl: cannot read the Kubernetes configuration /nonexistent/kubeconfig",
        "bosunctl: cannot read the Kubernetes configuration /nonexistent/kubeconfig");
    assertThat(out.toString()).isEmpty();
  }
}
