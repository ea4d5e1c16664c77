package io.bosun.config;

import static io.bosun.config.AuthorizationPolicyConverterTest.convert;
import static io.bosun.config.AuthorizationPolicyConverterTest.errors;
import static io.bosun.config.AuthorizationPolicyConverterTest.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.Ignored;
import io.bosun.model.RequestAuthentication;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a RequestAuthentication becomes in the model. */
class RequestAuthenticationConverterTest {
  private static final String HEAD = """
      apiVersion: security.istio.io/v1
      kind: RequestAuthentication
      metadata: {name: jwt, namespace: shop}
      """;
  private static final String EC_KEY = "{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": "
      + "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\", \"y\": \"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"";

  @Test
  void everyFieldOfARuleReachesTheModel() {
    Conversion c = convert(HEAD + """
        spec:
          selector: {matchLabels: {app: web}}
          jwtRules:
          - issuer: https://issuer.example.com
            audiences: [shop]
            jwksUri: https://issuer.example.com/jwks.json
            fromHeaders: [{name: x-token, prefix: "Bearer "}, {name: x-raw}]
            fromParams: [token]
            fromCookies: [session]
            outputPayloadToHeader: x-payload
            outputClaimToHeaders: [{header: x-sub, claim: sub}]
            forwardOriginalToken: true
            timeout: 2.5s
          - issuer: other
            jwks: '{"keys": [%s}]}'
        """.formatted(EC_KEY));
    assertThat(errors(c)).isEmpty();
    assertThat(warnings(c)).isEmpty();
    RequestAuthentication ra = (RequestAuthentication) c.value();
    assertThat(ra.selector()).isEqualTo(Map.of("app", "web"));
    assertThat(ra.rules()).hasSize(2);
    RequestAuthentication.JwtRule r = ra.rules().get(0);
    List<RequestAuthentication.FromHeader> headers = List.of(
        new RequestAuthentication.FromHeader("x-token", "Bearer "), new RequestAuthentication.FromHeader("x-raw", ""));
    assertThat(r).isEqualTo(new RequestAuthentication.JwtRule("https://issuer.example.com", List.of("shop"),
        "https://issuer.example.com/jwks.json", "", headers, List.of("token"), List.of("session"), "x-payload", true,
        Map.of("x-sub", "sub"), Duration.ofMillis(2500)));
    RequestAuthentication.JwtRule inline = ra.rules().get(1);
    assertThat(inline.jwks()).startsWith("{\"keys\"");
    assertThat(inline.jwksUri()).isEmpty();
    assertThat(inline.timeout()).as("Istio's default").isNull();
    assertThat(inline.forwardOriginalToken()).isFalse();
  }

  @Test
  void jwksUriUnderItsProtoNameToo() {
    Conversion c = convert(HEAD + "spec: {jwtRules: [{issuer: a, jwks_uri: \"https://a.example.com/keys\"}]}\n");
    assertThat(errors(c)).isEmpty();
    assertThat(((RequestAuthentication) c.value()).rules().get(0).jwksUri()).isEqualTo("https://a.example.com/keys");
    assertThat(errors(convert(HEAD + "spec: {jwtRules: [{issuer: a, jwksUri: \"https://a/k\", jwks_uri: \"https://a/k\"}]}\n")))
        .containsExactly("spec.jwtRules[0]: jwksUri and jwks_uri cannot both be set");
    assertThat(errors(convert(HEAD + "spec: {jwtRules: [{issuer: a, jwks_uri: \"https:///keys\"}]}\n")))
        .containsExactly("spec.jwtRules[0].jwksUri: \"https:///keys\" has no host");
  }

  @Test
  void istioAcceptsButBosunWarnsAbout() {
    Conversion c = convert(HEAD + """
        spec:
          jwtRules:
          - issuer: a
            jwks: '{"keys": [%s, "d": "secret"}]}'
            spaceDelimitedClaims: [scope]
            outputClaimToHeaders: [{header: x-id, claim: sub}, {header: x-id, claim: email}]
        """.formatted(EC_KEY));
    assertThat(errors(c)).isEmpty();
    assertThat(warnings(c)).containsExactly(
        "spec.jwtRules[0].jwks: key 0 is private key material; only public keys are needed to verify tokens",
        "spec.jwtRules[0].outputClaimToHeaders[1].header: header x-id is set from more than one claim: the last, "
            + "email, is used",
        "spec.jwtRules[0].spaceDelimitedClaims: not supported by this Bosun release yet; ignored");
    assertThat(((RequestAuthentication) c.value()).rules().get(0).outputClaimToHeaders())
        .isEqualTo(Map.of("x-id", "email"));

    Conversion target = convert(HEAD + "spec: {targetRef: {kind: Service, name: web}, jwtRules: [{issuer: a}]}\n");
    assertThat(target.value()).isInstanceOf(Ignored.class);
  }

  @Test
  void rulesAreChecked() {
    Conversion c = convert(HEAD + """
        spec:
          jwtRules:
          - issuer: a
            audiences: [""]
            jwksUri: "https://a.example.com:99999/k"
            fromParams: [""]
            fromCookies: [""]
            outputClaimToHeaders: [{header: x-a}]
            outputPayloadToHeader: "x payload"
            timeout: 0s
          - issuer: b
            jwks: 'not json'
          - issuer: c
            jwks: '{"keys": [{"kty": "XYZ"}]}'
          - ~
        """);
    assertThat(errors(c)).containsExactly(
        "spec.jwtRules[0].audiences[0]: must not be empty",
        "spec.jwtRules[0].jwksUri: port 99999 is out of range 1-65535",
        "spec.jwtRules[0].fromParams[0]: must not be empty",
        "spec.jwtRules[0].fromCookies[0]: must not be empty",
        "spec.jwtRules[0].outputClaimToHeaders[0].claim: the claim is required",
        "spec.jwtRules[0].outputPayloadToHeader: \"x payload\" is not a valid header name",
        "spec.jwtRules[0].timeout: duration must be at least 1ms",
        "spec.jwtRules[1].jwks: not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, "
            + "Object or token 'null', 'true' or 'false')",
        "spec.jwtRules[2].jwks: key 0: kty must be RSA, EC, OKP or oct",
        "spec.jwtRules[3]: a JWT rule is required here");
  }
}
