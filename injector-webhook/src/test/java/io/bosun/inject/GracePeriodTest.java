package io.bosun.inject;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import org.junit.jupiter.api.Test;

/** The proxy's preStop drain wait stays within the pod's termination grace period, which the API server enforces. */
class GracePeriodTest {
  private static Container proxy(long drain) {
    return new ContainerBuilder().withName("istio-proxy").withNewLifecycle().withNewPreStop().withNewSleep()
        .withSeconds(drain).endSleep().endPreStop().endLifecycle().build();
  }

  @Test
  void aLongerDrainIsCutToTheGracePeriod() {
    Container c = proxy(45);
    Injector.withinGracePeriod(c, null); // Kubernetes' default: 30 s
    assertThat(c.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(30);
    Container short10 = proxy(45);
    Injector.withinGracePeriod(short10, 10L);
    assertThat(short10.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(10);
  }

  @Test
  void noGracePeriodMeansNoPreStopAndAShorterDrainIsKept() {
    Container none = proxy(5);
    Injector.withinGracePeriod(none, 0L);
    assertThat(none.getLifecycle().getPreStop()).isNull();
    Container kept = proxy(5);
    Injector.withinGracePeriod(kept, 60L);
    assertThat(kept.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5);
  }
}
