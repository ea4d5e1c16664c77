package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.TrafficPolicy;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class LocalityLbTest {
  private static ClusterLoadAssignment cla(String... localities) {
    ClusterLoadAssignment.Builder b = ClusterLoadAssignment.newBuilder().setClusterName("c");
    for (String l : localities) {
      String[] p = l.split("/", -1);
      b.addEndpoints(LocalityLbEndpoints.newBuilder()
          .setLocality(Locality.newBuilder().setRegion(p[0]).setZone(p[1]).setSubZone(p[2]))
          .addLbEndpoints(EndpointBuilder.lbEndpoint("10.0.0." + b.getEndpointsCount(), 80, 0)));
    }
    return b.build();
  }

  @Test
  void failoverRanksEndpointsByClosenessWithoutGaps() {
    TrafficPolicy.Locality failover = new TrafficPolicy.Locality(true, List.of(),
        List.of(new TrafficPolicy.Failover("us", "eu")), List.of());
    ClusterLoadAssignment out = LocalityLb.apply(cla("us/a/1", "us/a/2", "us/b/1", "eu/x/1", "ap/y/1"), failover,
        true, "us/a/1");
    assertThat(out.getEndpointsList()).extracting(LocalityLbEndpoints::getPriority).containsExactly(0, 1, 2, 3, 4);
    ClusterLoadAssignment gaps = LocalityLb.apply(cla("us/a/1", "eu/x/1"), failover, true, "us/a/1");
    assertThat(gaps.getEndpointsList()).extracting(LocalityLbEndpoints::getPriority).containsExactly(0, 1);
  }

  @Test
  void failoverNeedsOutlierDetectionAndAClientLocality() {
    TrafficPolicy.Locality failover = new TrafficPolicy.Locality(true, List.of(), List.of(), List.of());
    ClusterLoadAssignment in = cla("us/a/1", "eu/x/1");
    assertThat(LocalityLb.apply(in, failover, false, "us/a/1")).isEqualTo(in);
    assertThat(LocalityLb.apply(in, failover, true, "")).isEqualTo(in);
    assertThat(LocalityLb.apply(in, new TrafficPolicy.Locality(false, List.of(), List.of(), List.of()), true, "us/a/1"))
        .isEqualTo(in);
  }

  @Test
  void distributeSharesEachTargetsWeightAmongTheLocalitiesItMatches() {
    TrafficPolicy.Locality dist = new TrafficPolicy.Locality(true,
        List.of(new TrafficPolicy.Distribute("us/a/*", List.of(new TrafficPolicy.Share("us/*", 80),
            new TrafficPolicy.Share("eu/x/*", 20)))), List.of(), List.of());
    ClusterLoadAssignment out = LocalityLb.apply(cla("us/a/1", "us/b/1", "eu/x/1", "ap/y/1"), dist, false, "us/a/1");
    assertThat(out.getEndpointsList()).extracting(l -> l.getLocality().getRegion() + "/" + l.getLocality().getZone(),
        l -> l.getLoadBalancingWeight().getValue())
        .containsExactly(Tuple.tuple("us/a", 40), Tuple.tuple("us/b", 40),
            Tuple.tuple("eu/x", 20));
    assertThat(LocalityLb.apply(cla("us/a/1"), dist, false, "eu/x/1").getEndpoints(0).hasLoadBalancingWeight())
        .as("no rule for this client").isFalse();
  }

  @Test
  void theFirstDistributeRuleThatMatchesTheClientApplies() {
    // both rules match a client in us/a/1; Istio applies the first as written, whatever the JVM
    TrafficPolicy.Locality dist = new TrafficPolicy.Locality(true, List.of(
        new TrafficPolicy.Distribute("us/a/*", List.of(new TrafficPolicy.Share("us/*", 100))),
        new TrafficPolicy.Distribute("us/*", List.of(new TrafficPolicy.Share("eu/*", 100)))), List.of(), List.of());
    ClusterLoadAssignment out = LocalityLb.apply(cla("us/a/1", "eu/x/1"), dist, false, "us/a/1");
    assertThat(out.getEndpointsList()).extracting(l -> l.getLocality().getRegion()).containsExactly("us");
    TrafficPolicy.Locality reversed = new TrafficPolicy.Locality(true, List.of(dist.distribute().get(1),
        dist.distribute().get(0)), List.of(), List.of());
    assertThat(LocalityLb.apply(cla("us/a/1", "eu/x/1"), reversed, false, "us/a/1").getEndpointsList())
        .extracting(l -> l.getLocality().getRegion()).containsExactly("eu");
  }
}
