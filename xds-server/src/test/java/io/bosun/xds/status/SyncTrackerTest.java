package io.bosun.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import org.junit.jupiter.api.Test;

/** Drives the tracker through java-control-plane's callbacks directly, no gRPC. */
class SyncTrackerTest {

  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private final SyncTracker tracker = new SyncTracker(node -> "group-of-" + node.getId());

  private static Node node(String id) {
    return Node.newBuilder().setId(id).build();
  }

  private static DiscoveryRequest request(String id, String typeUrl, String nonce) {
    return DiscoveryRequest.newBuilder().setNode(node(id)).setTypeUrl(typeUrl)
        .setResponseNonce(nonce).build();
  }

  private static DiscoveryRequest nack(String id, String typeUrl, String nonce, String message) {
    return request(id, typeUrl, nonce).toBuilder()
        .setErrorDetail(Status.newBuilder().setMessage(message)).build();
  }

  private void send(long stream, String typeUrl, String version, String nonce) {
    tracker.onV3StreamResponse(stream, DiscoveryRequest.getDefaultInstance(),
        DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setVersionInfo(version)
            .setNonce(nonce).build());
  }

  private TypeSync only(String type) {
    assertThat(tracker.snapshot()).hasSize(1);
    return tracker.snapshot().get(0).type(type);
  }

  @Test
  void aProxysVersionIsTakenOnlyWhenItLooksLikeOne() {
    assertThat(SyncTracker.proxyVersion(versioned("1.29.0"))).isEqualTo("1.29.0");
    assertThat(SyncTracker.proxyVersion(versioned("0.1.0-SNAPSHOT"))).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(SyncTracker.proxyVersion(versioned("x".repeat(41)))).as("too long for a label").isEmpty();
    assertThat(SyncTracker.proxyVersion(versioned("1.0\"} evil{"))).isEmpty();
    assertThat(SyncTracker.proxyVersion(Node.getDefaultInstance())).isEmpty();
  }

  private static Node versioned(String version) {
    return Node.newBuilder().setMetadata(Struct.newBuilder().putFields("ISTIO_VERSION",
        Value.newBuilder().setStringValue(version).build())).build();
  }

  @Test
  void walksNotSentStaleSyncedErrorAndBack() {
    tracker.onV3StreamRequest(1, request("a", CDS, ""));
    assertThat(only("CDS")).isEqualTo(new TypeSync("CDS", SyncState.NOT_SENT, "", "", ""));

    send(1, CDS, "v1", "0");
    assertThat(only("CDS").state()).isEqualTo(SyncState.STALE);

    tracker.onV3StreamRequest(1, request("a", CDS, "0"));
    assertThat(only("CDS")).isEqualTo(new TypeSync("CDS", SyncState.SYNCED, "v1", "v1", ""));

    send(1, CDS, "v2", "1");
    tracker.onV3StreamRequest(1, nack("a", CDS, "1", "bad"));
    assertThat(only("CDS")).isEqualTo(new TypeSync("CDS", SyncState.ERROR, "v2", "v1", "bad"));

    send(1, CDS, "v3", "2");
    assertThat(only("CDS")).isEqualTo(new TypeSync("CDS", SyncState.STALE, "v3", "v1", "bad"));

    tracker.onV3StreamRequest(1, request("a", CDS, "2"));
    assertThat(only("CDS")).isEqualTo(new TypeSync("CDS", SyncState.SYNCED, "v3", "v3", ""));
    assertThat(tracker.pushes("CDS")).isEqualTo(3);
    assertThat(tracker.rejects("CDS")).isEqualTo(1);
    assertThat(tracker.pushes("LDS")).isZero();
  }

  @Test
  void anAckOfTheRejectedVersionDoesNotMakeItSynced() {
    // finding 12: with several SDS secrets, Envoy NACKs the version carrying the bad one, then ACKs
    // a response of that same version carrying only the good one; the bad one never applied
    tracker.onV3StreamRequest(1, request("a", SDS, ""));
    send(1, SDS, "v1", "0");
    tracker.onV3StreamRequest(1, nack("a", SDS, "0", "KEY_VALUES_MISMATCH"));
    send(1, SDS, "v1", "1");
    tracker.onV3StreamRequest(1, request("a", SDS, "1"));
    assertThat(only("SDS").state()).isEqualTo(SyncState.ERROR);
    assertThat(only("SDS").ackedVersion()).isEmpty();
    // a new version accepted is synced again
    send(1, SDS, "v2", "2");
    tracker.onV3StreamRequest(1, request("a", SDS, "2"));
    assertThat(only("SDS")).isEqualTo(new TypeSync("SDS", SyncState.SYNCED, "v2", "v2", ""));
  }

  @Test
  void repeatedOrStaleNoncesAreNotCountedTwice() {
    tracker.onV3StreamRequest(1, request("a", CDS, ""));
    send(1, CDS, "v1", "0");
    tracker.onV3StreamRequest(1, nack("a", CDS, "0", "bad"));
    tracker.onV3StreamRequest(1, nack("a", CDS, "0", "bad"));
    tracker.onV3StreamRequest(1, nack("a", CDS, "17", "unknown nonce"));

    assertThat(tracker.rejects("CDS")).isEqualTo(1);
    assertThat(only("CDS").error()).isEqualTo("bad");
  }

  @Test
  void tracksDeltaStreams() {
    tracker.onV3StreamDeltaRequest(4, DeltaDiscoveryRequest.newBuilder()
        .setNode(node("d")).setTypeUrl(LDS).build());
    tracker.onV3StreamDeltaResponse(4, DeltaDiscoveryRequest.getDefaultInstance(),
        DeltaDiscoveryResponse.newBuilder().setTypeUrl(LDS).setSystemVersionInfo("L1")
            .setNonce("0").build());
    tracker.onV3StreamDeltaRequest(4, DeltaDiscoveryRequest.newBuilder()
        .setNode(node("d")).setTypeUrl(LDS).setResponseNonce("0").build());

    ProxySync proxy = tracker.snapshot().get(0);
    assertThat(proxy.streamKind()).isEqualTo("delta");
    assertThat(proxy.group()).isEqualTo("group-of-d");
    assertThat(proxy.type("LDS")).isEqualTo(new TypeSync("LDS", SyncState.SYNCED, "L1", "L1", ""));
  }

  @Test
  void listsOpenStreamsByNodeIdWithTypesInOrder() {
    tracker.onV3StreamRequest(1, request("b", CDS, ""));
    tracker.onV3StreamRequest(2, request("a", CDS, ""));
    tracker.onV3StreamRequest(3, request("c", SDS, ""));

    assertThat(tracker.snapshot()).extracting(ProxySync::nodeId).containsExactly("a", "b", "c");
    assertThat(tracker.snapshot().get(0).types()).extracting(TypeSync::type)
        .containsExactly("CDS", "EDS", "LDS", "RDS", "SDS");
    assertThat(tracker.connectedProxies()).isEqualTo(3);

    tracker.onStreamClose(1, "");
    tracker.onStreamCloseWithError(3, "", new RuntimeException("gone"));

    assertThat(tracker.snapshot()).extracting(ProxySync::nodeId).containsExactly("a");
    assertThat(tracker.connectedProxies()).isEqualTo(1);
  }

  @Test
  void oneNodeOnTwoStreamsIsOneProxyWithEachTypeFromWhereItWasSent() {
    tracker.onV3StreamRequest(1, request("a", CDS, ""));
    send(1, CDS, "c1", "0");
    tracker.onV3StreamRequest(2, request("a", LDS, ""));
    send(2, LDS, "l1", "0");

    assertThat(tracker.connectedProxies()).isEqualTo(1);
    ProxySync proxy = tracker.snapshot().get(0);
    assertThat(proxy.type("CDS").sentVersion()).isEqualTo("c1");
    assertThat(proxy.type("LDS").sentVersion()).isEqualTo("l1");
  }

  @Test
  void rendersStatesLikeIstioctl() {
    assertThat(SyncState.NOT_SENT).hasToString("NOT SENT");
    assertThat(SyncState.SYNCED.label()).isEqualTo("SYNCED");
  }
}
