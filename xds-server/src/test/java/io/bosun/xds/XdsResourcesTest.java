package io.bosun.xds;

import static io.bosun.xds.Fixtures.cluster;
import static io.bosun.xds.Fixtures.endpoints;
import static io.bosun.xds.Fixtures.listener;
import static io.bosun.xds.Fixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bosun.resources.XdsResources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;
import org.junit.jupiter.api.Test;

class XdsResourcesTest {

  private static XdsResources of(List<Cluster> clusters) {
    return new XdsResources(clusters,
        List.of(endpoints("a", "10.0.0.1"), endpoints("b", "10.0.0.2")),
        List.of(listener("l1", 15001), listener("l2", 15006)),
        List.of(route("r1", "a.example"), route("r2", "b.example")));
  }

  @Test
  void sortsByNameSoListOrderDoesNotChangeVersions() {
    XdsResources forward = new XdsResources(
        List.of(cluster("a", 1), cluster("b", 1)),
        List.of(endpoints("a", "10.0.0.1"), endpoints("b", "10.0.0.2")),
        List.of(listener("l1", 15001), listener("l2", 15006)),
        List.of(route("r1", "a.example"), route("r2", "b.example")));
    XdsResources backward = new XdsResources(
        List.of(cluster("b", 1), cluster("a", 1)),
        List.of(endpoints("b", "10.0.0.2"), endpoints("a", "10.0.0.1")),
        List.of(listener("l2", 15006), listener("l1", 15001)),
        List.of(route("r2", "b.example"), route("r1", "a.example")));

    assertThat(backward.clusters()).extracting(Cluster::getName).containsExactly("a", "b");
    assertThat(backward).isEqualTo(forward);
    assertThat(backward.clustersVersion()).isEqualTo(forward.clustersVersion());
    assertThat(backward.endpointsVersion()).isEqualTo(forward.endpointsVersion());
    assertThat(backward.listenersVersion()).isEqualTo(forward.listenersVersion());
    assertThat(backward.routesVersion()).isEqualTo(forward.routesVersion());
  }

  @Test
  void versionIsSixteenHexCharsAndStableAcrossCalls() {
    XdsResources resources = of(List.of(cluster("a", 1)));

    assertThat(resources.clustersVersion())
        .matches("[0-9a-f]{16}")
        .isEqualTo(resources.clustersVersion())
        .isEqualTo(of(List.of(cluster("a", 1))).clustersVersion());
  }

  @Test
  void contentChangeChangesOnlyThatTypesVersion() {
    XdsResources before = of(List.of(cluster("a", 1)));
    XdsResources after = of(List.of(cluster("a", 2)));

    assertThat(after.clustersVersion()).isNotEqualTo(before.clustersVersion());
    assertThat(after.endpointsVersion()).isEqualTo(before.endpointsVersion());
    assertThat(after.listenersVersion()).isEqualTo(before.listenersVersion());
    assertThat(after.routesVersion()).isEqualTo(before.routesVersion());
  }

  @Test
  void addingOrRemovingAResourceChangesTheVersion() {
    XdsResources one = of(List.of(cluster("a", 1)));
    XdsResources two = of(List.of(cluster("a", 1), cluster("b", 1)));

    assertThat(two.clustersVersion()).isNotEqualTo(one.clustersVersion());
    assertThat(of(List.of()).clustersVersion()).isNotEqualTo(one.clustersVersion());
  }

  @Test
  void emptyHasEmptyListsAndEqualVersionsPerType() {
    XdsResources empty = XdsResources.empty();

    assertThat(empty.clusters()).isEmpty();
    assertThat(empty.routes()).isEmpty();
    assertThat(empty.clustersVersion()).isEqualTo(empty.routesVersion());
  }

  @Test
  void listsAreImmutable() {
    XdsResources resources = of(List.of(cluster("a", 1)));

    assertThatThrownBy(() -> resources.clusters().add(cluster("x", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void rejectsDuplicateNames() {
    assertThatThrownBy(() -> of(List.of(cluster("a", 1), cluster("a", 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate cluster name: a");
  }

  @Test
  void snapshotCarriesPerTypeVersionsAndResources() {
    XdsResources resources = of(List.of(cluster("a", 1), cluster("b", 1)));

    Snapshot snapshot = new SharedSnapshots().acquire(resources);

    assertThat(snapshot.clusters().version()).isEqualTo(resources.clustersVersion());
    assertThat(snapshot.endpoints().version()).isEqualTo(resources.endpointsVersion());
    assertThat(snapshot.listeners().version()).isEqualTo(resources.listenersVersion());
    assertThat(snapshot.routes().version()).isEqualTo(resources.routesVersion());
    assertThat(snapshot.resources(ResourceType.CLUSTER)).containsOnlyKeys("a", "b");
    assertThat(snapshot.resources(ResourceType.ENDPOINT)).containsOnlyKeys("a", "b");
    assertThat(snapshot.secrets().resources()).isEmpty();
  }

  /** Scale probe finding 3 (memory per proxy): proxies with the same config hold one copy of it, not one each. */
  @Test
  void groupsWithTheSameContentShareOneMapPerTypeUntilTheLastLetsGo() {
    SharedSnapshots shared = new SharedSnapshots();
    XdsResources one = of(List.of(cluster("a", 1), cluster("b", 1)));
    // equal content, built separately (as for two proxies of one variant)
    XdsResources same = of(List.of(cluster("b", 1), cluster("a", 1)));
    XdsResources other = of(List.of(cluster("a", 2)));

    Snapshot first = shared.acquire(one);
    Snapshot second = shared.acquire(same);
    assertThat(second.clusters()).isSameAs(first.clusters());
    assertThat(second.endpoints()).isSameAs(first.endpoints());
    assertThat(shared.maps()).as("one map per type").isEqualTo(5);

    Snapshot third = shared.acquire(other);
    assertThat(third.clusters()).isNotSameAs(first.clusters());
    assertThat(third.endpoints()).as("the same endpoints: shared").isSameAs(first.endpoints());
    assertThat(shared.maps()).as("only the clusters differ").isEqualTo(6);

    shared.release(first);
    assertThat(shared.maps()).as("the second still holds them").isEqualTo(6);
    shared.release(second);
    assertThat(shared.maps()).isEqualTo(5);
    shared.release(third);
    assertThat(shared.maps()).isZero();
  }

  @Test
  void withSecretsKeepsTheOtherVersionsAndComputesItsOwn() {
    XdsResources base = of(List.of(cluster("a", 1)));
    String clusters = base.clustersVersion();
    XdsResources withSecret = base.withSecrets(List.of(Secret.newBuilder().setName("default").build()));
    assertThat(withSecret.clustersVersion()).isSameAs(clusters);
    assertThat(withSecret.clusters()).isSameAs(base.clusters());
    assertThat(withSecret.secretsVersion()).isNotEqualTo(base.secretsVersion());
    assertThat(withSecret.secretsVersion()).isEqualTo(new XdsResources(base.clusters(), base.endpoints(),
        base.listeners(), base.routes(), withSecret.secrets()).secretsVersion());
  }
}
