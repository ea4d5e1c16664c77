package io.bosun.config;

import static io.bosun.config.AuthorizationPolicyConverterTest.convert;
import static io.bosun.config.AuthorizationPolicyConverterTest.errors;
import static io.bosun.config.AuthorizationPolicyConverterTest.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.PeerAuthentication;
import io.bosun.model.PeerAuthentication.MtlsMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a PeerAuthentication becomes in the model. */
class PeerAuthenticationConverterTest {
  private static final String HEAD = """
      apiVersion: security.istio.io/v1beta1
      kind: PeerAuthentication
      metadata: {name: p, namespace: shop}
      """;

  @Test
  void workloadPolicyWithPortLevelModes() {
    Conversion c = convert(HEAD + """
        spec:
          selector: {matchLabels: {app: ratings}}
          mtls: {mode: STRICT}
          portLevelMtls:
            8080: {mode: DISABLE}
            "9090": {}
        """);
    assertThat(errors(c)).isEmpty();
    PeerAuthentication p = (PeerAuthentication) c.value();
    assertThat(p.selector()).isEqualTo(Map.of("app", "ratings"));
    assertThat(p.mode()).isEqualTo(MtlsMode.STRICT);
    assertThat(p.portLevel()).isEqualTo(Map.of(8080, MtlsMode.DISABLE, 9090, MtlsMode.UNSET));
  }

  @Test
  void withoutSelectorLabelsItIsNamespaceWideAndWithoutMtlsItInherits() {
    Conversion c = convert(HEAD + "spec:\n  selector: {matchLabels: {}}\n");
    PeerAuthentication p = (PeerAuthentication) c.value();
    assertThat(p.selector()).isNull();
    assertThat(p.mode()).isEqualTo(MtlsMode.UNSET);
    assertThat(warnings(c)).containsExactly(
        "spec.selector: a selector without matchLabels selects every workload of the namespace");
    assertThat(errors(convert(HEAD + "spec:\n  selector: {}\n  portLevelMtls: {80: {mode: STRICT}}\n")))
        .containsExactly("spec.portLevelMtls: needs a selector with labels: a namespace-wide or mesh-wide policy "
            + "cannot set port-level modes");
  }

  @Test
  void portsAndModesAreChecked() {
    Conversion c = convert(HEAD + """
        spec:
          selector: {matchLabels: {"": x, app: "a b"}}
          portLevelMtls: {0: {mode: STRICT}, http: {mode: STRICT}}
        """);
    assertThat(errors(c)).containsExactly(
        "spec.selector.matchLabels: a label key must not be empty",
        "spec.selector.matchLabels.app: invalid label value \"a b\"",
        "spec.portLevelMtls.0: must be a port number 1-65535, not \"0\"",
        "spec.portLevelMtls.http: must be a port number 1-65535, not \"http\"");
    assertThat(errors(convert(HEAD + "spec: {mtls: {mode: MUTUAL}, portLevelMtls: {80: {mode: strict}}}\n")))
        .contains("spec.mtls.mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT, not \"MUTUAL\"",
            "spec.portLevelMtls.80.mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT, not \"strict\"");
    assertThat(((PeerAuthentication) convert(HEAD + "spec: {mtls: {mode: 3}}\n").value()).mode())
        .as("the proto number, as Istio reads it").isEqualTo(MtlsMode.STRICT);
    assertThat(errors(convert(HEAD + "spec: {mtls: {mode: STRICT, strict: true}}\n")))
        .containsExactly("spec.mtls.strict: unknown field");
  }
}
