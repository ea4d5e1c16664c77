package io.bosun.xds;

import static io.bosun.xds.Fixtures.CDS;
import static io.bosun.xds.Fixtures.cluster;
import static io.bosun.xds.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.resources.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delta proxy that reconnects (Bosun restarted, or its connection dropped) names what it still
 * holds in {@code initial_resource_versions}: only what changed meanwhile is sent again, and what
 * was deleted meanwhile is removed.
 */
class DeltaReconnectTest {
  private static final Node ENVOY = node("sidecar~10.0.0.1~a.ns~ns.svc.cluster.local", "g1");

  private XdsServer server;
  private ManagedChannel channel;
  /** What a proxy's group is given when its first stream opens (the group is dropped when its last closes). */
  private volatile XdsResources current = clusters(cluster("c1", 1), cluster("c2", 1), cluster("c3", 1));

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = new XdsServer(InProcessServerBuilder.forName(name), Node::getCluster,
        (group, node) -> server.setResources(group, current)).start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private static XdsResources clusters(Cluster... clusters) {
    return new XdsResources(List.of(clusters), List.of(), List.of(), List.of());
  }

  private static Map<String, String> versions(DeltaDiscoveryResponse r) {
    Map<String, String> out = new TreeMap<>();
    r.getResourcesList().forEach(res -> out.put(res.getName(), res.getVersion()));
    return out;
  }

  /** Connects, takes every cluster, ACKs and hangs up; returns the versions it held. */
  private Map<String, String> firstConnection() {
    try (FakeDeltaEnvoy first = new FakeDeltaEnvoy(channel, ENVOY)) {
      first.subscribe(CDS, "*");
      DeltaDiscoveryResponse all = first.expect(CDS);
      first.ack(all);
      Map<String, String> held = versions(all);
      assertThat(held).containsOnlyKeys("c1", "c2", "c3");
      return held;
    }
  }

  @Test
  void aReconnectWithNothingChangedIsSentNothing() throws Exception {
    Map<String, String> held = firstConnection();
    try (FakeDeltaEnvoy again = new FakeDeltaEnvoy(channel, ENVOY)) {
      again.resubscribe(CDS, held, "*");
      DeltaDiscoveryResponse r = again.poll(500);
      assertThat(r).as("the proxy holds every cluster as it is: got %s", r == null ? null : versions(r)).isNull();
    }
  }

  @Test
  void aReconnectGetsOnlyWhatChangedWhileItWasAway() throws Exception {
    Map<String, String> held = firstConnection();
    // while the proxy is away (Bosun restarted with new config, say): c2 changes, c3 is deleted, c4 is added
    current = clusters(cluster("c1", 1), cluster("c2", 2), cluster("c4", 1));

    try (FakeDeltaEnvoy again = new FakeDeltaEnvoy(channel, ENVOY)) {
      again.resubscribe(CDS, held, "*");
      // the first stream's group may outlive its close by a moment: publish the change to it as well
      server.setResources("g1", current);
      DeltaDiscoveryResponse update = again.expect(CDS);
      assertThat(update.getResourcesList()).extracting(Resource::getName).containsExactlyInAnyOrder("c2", "c4");
      assertThat(update.getRemovedResourcesList()).containsExactly("c3");
      again.ack(update);
      assertThat(again.poll(300)).as("nothing more after the ACK: c3's removal is not repeated").isNull();

      // and the stream carries on as usual: a later change of c1 (which was never resent) arrives
      assertThat(server.setResources("g1", clusters(cluster("c1", 3), cluster("c2", 2), cluster("c4", 1)))).isTrue();
      DeltaDiscoveryResponse later = again.expect(CDS);
      assertThat(later.getResourcesList()).extracting(Resource::getName).containsExactly("c1");
      assertThat(later.getRemovedResourcesList()).isEmpty();
    }
  }
}
