package io.bosun.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edges of the pod annotations that goldens would not show well. */
class PodSettingsTest {
  @Test
  void proxyConfigReadsProtobufsSpellingsAndRefusesWhatIstioRefuses() {
    ProxyConfigAnnotation pc = ProxyConfigAnnotation.parse("hold_application_until_proxy_starts: true\n"
        + "drain_duration: 0.2s\nconcurrency: \"3\"");
    assertThat(pc.holdApplication()).isTrue();
    assertThat(pc.drainSeconds()).as("rounded up to Envoy's whole seconds").isEqualTo(1);
    assertThat(pc.concurrency()).isEqualTo(3);
    assertThatThrownBy(() -> ProxyConfigAnnotation.parse("concurrency: 99999999999"))
        .hasMessage("metadata.annotations[proxy.istio.io/config].concurrency: must be an integer");
    assertThatThrownBy(() -> ProxyConfigAnnotation.parse("drainDuration: 0s"))
        .hasMessageEndingWith("drainDuration: must be positive");
    assertThatThrownBy(() -> ProxyConfigAnnotation.parse("[1, 2]"))
        .hasMessage("metadata.annotations[proxy.istio.io/config]: must be a ProxyConfig mapping");
    assertThatThrownBy(() -> ProxyConfigAnnotation.parse("proxyMetadata: {A: [1]}"))
        .hasMessageEndingWith("proxyMetadata.A: must be a string");
    assertThat(ProxyConfigAnnotation.parse("  ")).isSameAs(ProxyConfigAnnotation.NONE);
  }

  @Test
  void rewritingProbesIsOnUnlessTheAnnotationSaysFalseInGosSpellings() {
    assertThat(PodSettings.of(Map.of()).rewriteProbes()).isTrue();
    assertThat(PodSettings.of(Map.of(PodSettings.REWRITE_PROBES, "False")).rewriteProbes()).isFalse();
    assertThat(PodSettings.of(Map.of(PodSettings.REWRITE_PROBES, "0")).rewriteProbes()).isFalse();
    assertThat(PodSettings.of(Map.of(PodSettings.REWRITE_PROBES, "maybe")).rewriteProbes()).isTrue();
    assertThat(PodSettings.of(Map.of(PodSettings.NATIVE_SIDECAR, "yes")).warnings())
        .containsExactly("sidecar.istio.io/nativeSidecar: \"yes\" is neither true nor false; ignored");
  }

  @Test
  void quantitiesAreCheckedCheaplyAndForeignOnesLeftToTheApiServer() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> ProxyResources.requested(Map.of(ProxyResources.CPU, "1e999999999"),
        InjectionConfig.defaults())).hasMessageContaining("is not a Kubernetes quantity");
    Container proxy = new ContainerBuilder().withNewResources()
        .addToRequests("cpu", new Quantity("1e999999999")).addToLimits("cpu", new Quantity("2")).endResources().build();
    ProxyResources.settle(proxy, proxy, Map.of());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(proxy.getResources().getLimits()).containsKey("cpu");
  }
}
