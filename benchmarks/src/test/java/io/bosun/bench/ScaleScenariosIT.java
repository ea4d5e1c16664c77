package io.bosun.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale scenarios at a size CI affords, as a correctness check: every simulated sidecar
 * converges to the expected content (every service's endpoints and route split), endpoint churn
 * brings endpoint responses only, at most one per proxy per push, with only the changed
 * assignments. Timings are printed, not asserted: BENCHMARKS.md holds the full-size runs.
 */
class ScaleScenariosIT {
  @TempDir
  Path logs;

  private Scenarios.Setup setup(boolean delta, Duration churn) {
    return new Scenarios.Setup(40, 5, 60, delta, churn, null, logs);
  }

  private static void check(Scenarios.Result r) {
    System.out.println(Scale.row(r));
    assertThat(r.failures()).as(r.scenario() + " " + r.setup()).isEmpty();
  }

  @Test
  void s1ChurnConvergesEveryProxy() throws Exception {
    Scenarios.Result r = Scenarios.s1(setup(false, Duration.ofSeconds(8)));
    check(r);
    assertThat(r.values().get("pushes")).doesNotStartWith("0,");
  }

  @Test
  void s2ARouteChangeReachesEveryProxy() throws Exception {
    check(Scenarios.s2(setup(false, Duration.ZERO)));
  }

  @Test
  void s2OverDelta() throws Exception {
    check(Scenarios.s2(setup(true, Duration.ZERO)));
  }

  @Test
  void s2WithEachNamespaceScopedBySidecars() throws Exception {
    check(Scenarios.s2(new Scenarios.Setup(40, 5, 60, false, Duration.ZERO, null, logs, true)));
  }

  @Test
  void s3EndpointChurnSendsOnlyEndpoints() throws Exception {
    check(Scenarios.s3(setup(false, Duration.ofSeconds(8)), 30));
  }

  @Test
  void s3OverDelta() throws Exception {
    check(Scenarios.s3(setup(true, Duration.ofSeconds(8)), 30));
  }

  @Test
  void s4AStampedeIsConfigured() throws Exception {
    check(Scenarios.s4(new Scenarios.Setup(40, 5, 60, false, Duration.ZERO, "256m", logs)));
  }
}
