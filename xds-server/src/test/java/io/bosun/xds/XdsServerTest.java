package io.bosun.xds;

import static io.bosun.xds.Fixtures.CDS;
import static io.bosun.xds.Fixtures.EDS;
import static io.bosun.xds.Fixtures.LDS;
import static io.bosun.xds.Fixtures.RDS;
import static io.bosun.xds.Fixtures.cluster;
import static io.bosun.xds.Fixtures.listener;
import static io.bosun.xds.Fixtures.node;
import static io.bosun.xds.Fixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bosun.resources.XdsResources;
import io.bosun.xds.status.ProxySync;
import io.bosun.xds.status.SyncState;
import io.bosun.xds.status.SyncTracker;
import io.bosun.xds.status.TypeSync;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class XdsServerTest {

  private static final Node ENVOY = node("sidecar~10.0.0.1~a.ns~ns.svc.cluster.local", "g1");

  /** What the "control plane" computes per group when the listener fires. */
  private final Map<String, XdsResources> computed = new ConcurrentHashMap<>();
  private final List<String> announcedGroups = new CopyOnWriteArrayList<>();
  private XdsServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = new XdsServer(InProcessServerBuilder.forName(name), Node::getCluster,
        (group, node) -> {
          announcedGroups.add(group);
          XdsResources resources = computed.get(group);
          if (resources != null) {
            server.setResources(group, resources);
          }
        }).start();
    channel = InProcessChannelBuilder.forName(name).build();
    computed.put("g1", Fixtures.basic());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private SyncTracker tracker() {
    return server.syncTracker();
  }

  private TypeSync sync(String nodeId, String type) {
    ProxySync proxy = tracker().snapshot().stream()
        .filter(p -> p.nodeId().equals(nodeId))
        .findFirst()
        .orElseThrow(() -> new AssertionError(nodeId + " not in " + tracker().snapshot()));
    return proxy.type(type);
  }

  /** Subscribes to all four types and ACKs each, like a warmed-up Envoy. */
  private void warmUp(FakeEnvoy envoy) {
    envoy.request(CDS);
    envoy.ack(envoy.expect(CDS));
    envoy.request(EDS, "c1");
    envoy.ack(envoy.expect(EDS), "c1");
    envoy.request(LDS);
    envoy.ack(envoy.expect(LDS));
    envoy.request(RDS, "r1");
    envoy.ack(envoy.expect(RDS), "r1");
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> assertThat(tracker()
        .snapshot().get(0).types()).filteredOn(t -> !t.type().equals("SDS"))
        .extracting(TypeSync::state).containsOnly(SyncState.SYNCED));
  }

  @Test
  void aRouteTableThatDisappearsForAMomentIsSentAgainToAProxyStillSubscribed() {
    try (FakeEnvoy envoy = new FakeEnvoy(channel, ENVOY)) {
      warmUp(envoy);
      // The proxy still waits on r1 (the listener's removal has not reached it yet) when a
      // snapshot without r1 is set, then one with a new r1: the new r1 must arrive.
      XdsResources without = new XdsResources(Fixtures.basic().clusters(), Fixtures.basic().endpoints(),
          List.of(), List.of());
      assertThat(server.setResources("g1", without)).isTrue();
      envoy.ack(envoy.expect(LDS));
      // The subscription is answered with what exists (nothing), not dropped unanswered.
      DiscoveryResponse empty = envoy.expect(RDS);
      assertThat(empty.getResourcesList()).isEmpty();
      envoy.ack(empty, "r1");
      XdsResources back = new XdsResources(Fixtures.basic().clusters(), Fixtures.basic().endpoints(),
          Fixtures.basic().listeners(), List.of(route("r1", "b.example")));
      assertThat(server.setResources("g1", back)).isTrue();
      envoy.ack(envoy.expect(LDS));
      DiscoveryResponse rds = envoy.expect(RDS);
      assertThat(rds.getVersionInfo()).isEqualTo(back.routesVersion());
      assertThat(rds.getResources(0).unpack(RouteConfiguration.class).getVirtualHosts(0).getName())
          .isEqualTo("b.example");
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void newGroupIsComputedOnFirstRequestAndAckMarksSynced() {
    try (FakeEnvoy envoy = new FakeEnvoy(channel, ENVOY)) {
      envoy.request(CDS);

      DiscoveryResponse cds = envoy.expect(CDS);
      assertThat(announcedGroups).containsExactly("g1");
      assertThat(cds.getVersionInfo()).isEqualTo(Fixtures.basic().clustersVersion());
      assertThat(cds.getResourcesList()).hasSize(1);
      assertThat(sync(ENVOY.getId(), "CDS").state()).isEqualTo(SyncState.STALE);
      assertThat(sync(ENVOY.getId(), "LDS").state()).isEqualTo(SyncState.NOT_SENT);

      envoy.ack(cds);

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "CDS"))
          .isEqualTo(new TypeSync("CDS", SyncState.SYNCED, cds.getVersionInfo(),
              cds.getVersionInfo(), "")));
      assertThat(tracker().pushes("CDS")).isEqualTo(1);
      assertThat(tracker().connectedProxies()).isEqualTo(1);
      assertThat(server.connectedGroups()).containsExactly("g1");
      ProxySync proxy = tracker().snapshot().get(0);
      assertThat(proxy.group()).isEqualTo("g1");
      assertThat(proxy.streamKind()).isEqualTo("sotw");
    }
  }

  @Test
  void laterRequestsWithoutNodeStayInTheStreamsGroup() {
    XdsResources g2 = Fixtures.withListeners(Fixtures.basic(), List.of(listener("only-g2", 9)));
    computed.put("g2", g2);
    server.setResources("g1", Fixtures.basic());
    Node inG2 = node("router~10.0.0.2~gw.ns~ns.svc.cluster.local", "g2");

    try (FakeEnvoy envoy = new FakeEnvoy(channel, inG2)) {
      envoy.request(CDS);
      envoy.expect(CDS);
      envoy.request(LDS); // carries no node

      DiscoveryResponse lds = envoy.expect(LDS);
      assertThat(lds.getVersionInfo()).isEqualTo(g2.listenersVersion());
      assertThat(announcedGroups).containsExactly("g2");
      assertThat(tracker().snapshot()).extracting(ProxySync::group).containsExactly("g2");
    }
  }

  @Test
  void nackShowsErrorCountsRejectAndIsNotAnsweredWithTheSameConfig() {
    try (FakeEnvoy envoy = new FakeEnvoy(channel, ENVOY)) {
      envoy.request(CDS);
      DiscoveryResponse cds = envoy.expect(CDS);

      envoy.nack(cds, "", "cluster c1: bad connect_timeout");

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "CDS"))
          .isEqualTo(new TypeSync("CDS", SyncState.ERROR, cds.getVersionInfo(), "",
              "cluster c1: bad connect_timeout")));
      assertThat(tracker().rejects("CDS")).isEqualTo(1);
      // Requests are handled in order: had the NACK been answered, that CDS would come first.
      envoy.request(LDS);
      envoy.expect(LDS);

      XdsResources fixed = Fixtures.withClusters(Fixtures.basic(), List.of(cluster("c1", 2)));
      assertThat(server.setResources("g1", fixed)).isTrue();
      DiscoveryResponse retry = envoy.expect(CDS);
      assertThat(retry.getVersionInfo()).isEqualTo(fixed.clustersVersion());
      assertThat(sync(ENVOY.getId(), "CDS").state()).isEqualTo(SyncState.STALE);
      assertThat(sync(ENVOY.getId(), "CDS").error()).isEqualTo("cluster c1: bad connect_timeout");

      envoy.ack(retry);

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "CDS"))
          .isEqualTo(new TypeSync("CDS", SyncState.SYNCED, fixed.clustersVersion(),
              fixed.clustersVersion(), "")));
      assertThat(tracker().rejects("CDS")).isEqualTo(1);
    }
  }

  @Test
  void identicalResourcesPushNothingAndAClusterChangePushesOnlyCds() {
    try (FakeEnvoy envoy = new FakeEnvoy(channel, ENVOY)) {
      warmUp(envoy);
      long edsPushes = tracker().pushes("EDS");
      long ldsPushes = tracker().pushes("LDS");
      long rdsPushes = tracker().pushes("RDS");
      long cdsPushes = tracker().pushes("CDS");

      XdsResources basic = Fixtures.basic();
      XdsResources sameContent = new XdsResources(basic.clusters(), basic.endpoints(),
          basic.listeners(), basic.routes());
      assertThat(server.setResources("g1", sameContent)).isFalse();
      assertThat(tracker().pushes("CDS")).isEqualTo(cdsPushes);

      List<Cluster> twoClusters = List.of(cluster("c1", 1), cluster("c2", 1));
      XdsResources changed = Fixtures.withClusters(basic, twoClusters);
      assertThat(server.setResources("g1", changed)).isTrue();

      DiscoveryResponse cds = envoy.expect(CDS); // first thing after the no-op: nothing in between
      assertThat(cds.getVersionInfo()).isEqualTo(changed.clustersVersion());
      assertThat(cds.getResourcesList()).hasSize(2);
      assertThat(tracker().pushes("CDS")).isEqualTo(cdsPushes + 1);
      assertThat(tracker().pushes("EDS")).isEqualTo(edsPushes);
      assertThat(tracker().pushes("LDS")).isEqualTo(ldsPushes);
      assertThat(tracker().pushes("RDS")).isEqualTo(rdsPushes);
      envoy.ack(cds);

      List<Listener> newListeners = List.of(listener("l1", 15001), listener("l2", 15006));
      XdsResources listenersChanged = Fixtures.withListeners(changed, newListeners);
      server.setResources("g1", listenersChanged);
      // Had the cluster change also pushed LDS, that stale LDS would arrive first.
      assertThat(envoy.expect(LDS).getVersionInfo())
          .isEqualTo(listenersChanged.listenersVersion());
      assertThat(server.resources("g1")).contains(listenersChanged);
    }
  }

  @Test
  void aClusterChangedInTheSamePushAsAnotherClustersEndpointsGetsItsEndpointsAgain() {
    // Envoy re-creates a changed cluster and warms it until its assignment arrives; sent in the
    // same push as another cluster's new endpoints, that assignment must come along too
    XdsResources before = new XdsResources(List.of(cluster("c1", 1), cluster("c2", 1)),
        List.of(Fixtures.endpoints("c1", "10.0.0.1"), Fixtures.endpoints("c2", "10.0.0.2")),
        Fixtures.basic().listeners(), Fixtures.basic().routes());
    computed.put("g1", before);
    try (FakeEnvoy envoy = new FakeEnvoy(channel, ENVOY)) {
      envoy.request(CDS);
      envoy.ack(envoy.expect(CDS));
      envoy.request(EDS, "c1", "c2");
      DiscoveryResponse eds = envoy.expect(EDS);
      envoy.ack(eds, "c1", "c2");
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "EDS").state()).isEqualTo(SyncState.SYNCED));

      XdsResources after = new XdsResources(List.of(cluster("c1", 2), cluster("c2", 1)),
          List.of(Fixtures.endpoints("c1", "10.0.0.1"), Fixtures.endpoints("c2", "10.0.0.3")),
          before.listeners(), before.routes());
      assertThat(server.setResources("g1", after)).isTrue();
      DiscoveryResponse first = envoy.next();
      DiscoveryResponse second = envoy.next();
      DiscoveryResponse edsAfterCds;
      if (first.getTypeUrl().equals(CDS)) {
        assertThat(second.getTypeUrl()).isEqualTo(EDS);
        edsAfterCds = second;
      } else {
        // endpoints first: Envoy acks both, then asks again for the re-created cluster
        assertThat(second.getTypeUrl()).isEqualTo(CDS);
        envoy.ack(first, "c1", "c2");
        envoy.ack(second);
        envoy.ack(first, "c1", "c2");
        edsAfterCds = envoy.expect(EDS);
      }
      assertThat(edsAfterCds.getResourcesList()).extracting(a -> unpackCla(a).getClusterName())
          .as("the re-created cluster's assignment follows its CDS").contains("c1", "c2");
    }
  }

  private static ClusterLoadAssignment unpackCla(Any a) {
    try {
      return a.unpack(ClusterLoadAssignment.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void deltaWildcardCdsIsServedAndAcked() {
    try (FakeDeltaEnvoy envoy = new FakeDeltaEnvoy(channel, ENVOY)) {
      envoy.subscribe(CDS, "*");

      DeltaDiscoveryResponse cds = envoy.expect(CDS);
      assertThat(cds.getSystemVersionInfo()).isEqualTo(Fixtures.basic().clustersVersion());
      assertThat(cds.getResourcesList()).extracting(Resource::getName).containsExactly("c1");

      envoy.ack(cds);

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "CDS").state())
          .isEqualTo(SyncState.SYNCED));
      assertThat(tracker().snapshot().get(0).streamKind()).isEqualTo("delta");

      XdsResources more = Fixtures.withClusters(Fixtures.basic(),
          List.of(cluster("c1", 1), cluster("c2", 1)));
      server.setResources("g1", more);
      DeltaDiscoveryResponse added = envoy.expect(CDS);
      assertThat(added.getResourcesList()).extracting(Resource::getName).containsExactly("c2");
      assertThat(added.getSystemVersionInfo()).isEqualTo(more.clustersVersion());

      envoy.nack(added, "c2 is broken");

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(sync(ENVOY.getId(), "CDS"))
          .isEqualTo(new TypeSync("CDS", SyncState.ERROR, more.clustersVersion(),
              Fixtures.basic().clustersVersion(), "c2 is broken")));
      assertThat(tracker().rejects("CDS")).isEqualTo(1);
    }
  }

  @Test
  void deltaRequestWithoutNodeStaysInTheStreamsGroup() {
    try (FakeDeltaEnvoy envoy = new FakeDeltaEnvoy(channel, ENVOY)) {
      envoy.subscribe(CDS, "*");
      envoy.expect(CDS);
      envoy.subscribe(LDS, "*"); // carries no node

      DeltaDiscoveryResponse lds = envoy.expect(LDS);
      assertThat(lds.getSystemVersionInfo()).isEqualTo(Fixtures.basic().listenersVersion());
      assertThat(announcedGroups).containsExactly("g1");
    }
  }

  @Test
  void closingTheLastStreamForgetsProxyAndGroup() {
    FakeEnvoy first = new FakeEnvoy(channel, ENVOY);
    first.request(CDS);
    first.expect(CDS);
    assertThat(server.resources("g1")).isPresent();

    first.hangUp();

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
      assertThat(tracker().snapshot()).isEmpty();
      assertThat(server.connectedGroups()).isEmpty();
      assertThat(server.resources("g1")).isEmpty();
    });
    assertThat(tracker().connectedProxies()).isZero();

    computed.put("g1", Fixtures.withClusters(Fixtures.basic(), List.of(cluster("c9", 1))));
    try (FakeEnvoy again = new FakeEnvoy(channel, ENVOY)) {
      again.request(CDS);
      assertThat(again.expect(CDS).getVersionInfo())
          .isEqualTo(computed.get("g1").clustersVersion());
      assertThat(announcedGroups).containsExactly("g1", "g1");
    }
  }

  @Test
  void groupSurvivesWhileAnotherStreamOfItIsOpen() {
    Node other = node("sidecar~10.0.0.9~b.ns~ns.svc.cluster.local", "g1");
    try (FakeEnvoy staying = new FakeEnvoy(channel, other)) {
      FakeEnvoy leaving = new FakeEnvoy(channel, ENVOY);
      leaving.request(CDS);
      leaving.expect(CDS);
      staying.request(CDS);
      staying.expect(CDS);

      leaving.hangUp();

      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(tracker().snapshot())
          .extracting(ProxySync::nodeId).containsExactly(other.getId()));
      assertThat(server.connectedGroups()).containsExactly("g1");
      assertThat(server.resources("g1")).isPresent();
      assertThat(announcedGroups).containsExactly("g1");
    }
  }

  @Test
  void streamWhoseFirstRequestLacksNodeIsRefused() throws Exception {
    FakeEnvoy anonymous = new FakeEnvoy(channel, null);
    anonymous.request(CDS);

    Throwable ended = anonymous.ended.get(5, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(ended).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(announcedGroups).isEmpty();
    assertThat(server.connectedGroups()).isEmpty();
  }
}
