package io.bosun.config;

import static io.bosun.config.AuthorizationPolicyConverterTest.convert;
import static io.bosun.config.AuthorizationPolicyConverterTest.errors;
import static io.bosun.config.AuthorizationPolicyConverterTest.warnings;
import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.MeshConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MeshConfig's enableAutoMtls and extensionProviders (the external authorizers). */
class MeshConfigConverterTest {
  private static Conversion mesh(String yaml) {
    StringBuilder indented = new StringBuilder();
    yaml.lines().forEach(l -> indented.append("    ").append(l).append('\n'));
    return convert("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |
        """ + indented);
  }

  @Test
  void autoMtlsIsOnUnlessTurnedOff() {
    assertThat(MeshConfig.DEFAULT.enableAutoMtls()).isTrue();
    assertThat(((MeshConfig) mesh("trustDomain: cluster.local").value()).enableAutoMtls()).isTrue();
    assertThat(((MeshConfig) mesh("enableAutoMtls: false").value()).enableAutoMtls()).isFalse();
    assertThat(errors(mesh("enableAutoMtls: maybe")))
        .containsExactly("data.mesh.enableAutoMtls: must be true or false");
  }

  @Test
  void extAuthzProvidersReachTheModel() {
    Conversion c = mesh("""
        extensionProviders:
        - name: opa
          envoyExtAuthzHttp:
            service: opa.shop.svc.cluster.local
            port: 8181
            timeout: 250ms
            failOpen: true
            pathPrefix: /v1/check
            includeRequestHeadersInCheck: [authorization]
            headersToUpstreamOnAllow: [x-user]
            headersToDownstreamOnDeny: [www-authenticate]
        - name: grpc
          envoyExtAuthzGrpc: {service: "authz/authz.authz.svc.cluster.local", port: "9000"}
        """);
    assertThat(errors(c)).isEmpty();
    assertThat(warnings(c)).isEmpty();
    MeshConfig m = (MeshConfig) c.value();
    assertThat(m.extensionProviders()).containsExactly(
        new MeshConfig.ExtAuthz("opa", false, "opa.shop.svc.cluster.local", 8181, Duration.ofMillis(250), true,
            "/v1/check", List.of("authorization"), List.of("x-user"), List.of("www-authenticate")),
        new MeshConfig.ExtAuthz("grpc", true, "authz/authz.authz.svc.cluster.local", 9000, null, false, "",
            List.of(), List.of(), List.of()));
    assertThat(m.extensionProvider("grpc")).isSameAs(m.extensionProviders().get(1));
  }

  @Test
  void otherKindsAndFieldsAreSkippedWithAWarning() {
    Conversion c = mesh("""
        extensionProviders:
        - name: zipkin
          zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
        - name: opa
          envoyExtAuthzGrpc: {service: opa.shop.svc.cluster.local, port: 9191, statusOnError: "503",
                              pathPrefix: /x}
        """);
    assertThat(errors(c)).isEmpty();
    assertThat(warnings(c)).containsExactly(
        "data.mesh.extensionProviders[0].zipkin: extension providers of kind zipkin are not supported by this Bosun "
            + "release; skipped",
        "data.mesh.extensionProviders[1].envoyExtAuthzGrpc.statusOnError: not supported by this Bosun release yet; "
            + "ignored",
        "data.mesh.extensionProviders[1].envoyExtAuthzGrpc.pathPrefix: not supported by this Bosun release yet; "
            + "ignored");
    assertThat(((MeshConfig) c.value()).extensionProviders()).extracting(MeshConfig.ExtAuthz::name)
        .containsExactly("opa");
  }

  @Test
  void providersAreChecked() {
    Conversion c = mesh("""
        extensionProviders:
        - envoyExtAuthzHttp: {service: "Not_A_Host", port: 0, statusOnError: "299", failOpen: "yes"}
        - name: both
          envoyExtAuthzHttp: {service: a.example.com, port: 80}
          envoyExtAuthzGrpc: {service: a.example.com, port: 80}
        - name: none
        - name: bad-timeout
          envoyExtAuthzGrpc: {service: 10.0.0.1, port: 80, timeout: soon}
        """);
    assertThat(errors(c)).containsExactly(
        "data.mesh.extensionProviders[0].name: name is required",
        "data.mesh.extensionProviders[0].envoyExtAuthzHttp.statusOnError: must be an HTTP status code Envoy supports, "
            + "not \"299\"",
        "data.mesh.extensionProviders[0].envoyExtAuthzHttp.service: must be a host name, an IP address or "
            + "namespace/hostname, not \"Not_A_Host\"",
        "data.mesh.extensionProviders[0].envoyExtAuthzHttp.port: port number is required, 1-65535",
        "data.mesh.extensionProviders[0].envoyExtAuthzHttp.failOpen: must be true or false",
        "data.mesh.extensionProviders[1]: exactly one provider kind is allowed, not envoyExtAuthzHttp, "
            + "envoyExtAuthzGrpc",
        "data.mesh.extensionProviders[2]: a provider kind is required, e.g. envoyExtAuthzHttp or envoyExtAuthzGrpc",
        "data.mesh.extensionProviders[3].envoyExtAuthzGrpc.timeout: invalid duration \"soon\": a number and a unit "
            + "(ms, s, m, h), e.g. 1.5s");
  }
}
