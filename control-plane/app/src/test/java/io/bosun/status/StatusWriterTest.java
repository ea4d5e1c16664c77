package io.bosun.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import org.junit.jupiter.api.Test;

class StatusWriterTest {
  private final ConfigParser parser = new ConfigParser();
  private final ConfigStore store = new ConfigStore();

  private ConfigStore.Entry apply(String yaml) {
    store.put(parser.parse("kubernetes", yaml).conversions().get(0));
    return store.entries().get(0);
  }

  @Test
  void validIsReconciledTrueInvalidIsFalseNamingTheField() {
    String good = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}
        """;
    StatusWriter.Desired ok = StatusWriter.desired(apply(good), 3);
    assertThat(ok).isEqualTo(new StatusWriter.Desired("True", "Accepted", "", 3));

    StatusWriter.Desired bad = StatusWriter.desired(apply(good.replace("host: a}", "host: a, port: {number: 0}}")), 4);
    assertThat(bad.status()).isEqualTo("False");
    assertThat(bad.reason()).isEqualTo("Invalid");
    assertThat(bad.message()).isEqualTo("spec.http[0].route[0].destination.port.number: port number 0 is out of range"
        + " 1-65535 (the last valid version keeps serving)");
    assertThat(bad.generation()).isEqualTo(4);
  }

  @Test
  void warningsAreCarriedInTheMessageOfAnAcceptedResource() {
    StatusWriter.Desired d = StatusWriter.desired(apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}], tcp: [{match: [{sourceSubnet: 10.0.0.0/8}], route: [{destination: {host: a}}]}]}
        """), 1);
    assertThat(d.status()).isEqualTo("True");
    assertThat(d.message())
        .contains("spec.tcp[0].match[0].sourceSubnet: not supported by this Bosun release yet; ignored");
  }
}
