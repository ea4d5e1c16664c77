package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.certs.Certificates;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import io.bosun.xds.auth.Identity;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * credentialName Secrets reach only proxies that may read them (findings 1, 2) and nothing a proxy
 * will not get its Secret for is sent to it (finding 13: Envoy waits for it at start-up).
 */
class SecretAccessTest {
  static final String CONFIG = """
      apiVersion: v1
      kind: Secret
      metadata: {name: gw-cred, namespace: istio-system}
      type: kubernetes.io/tls
      stringData: {tls.crt: "%1$s", tls.key: "%2$s"}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: client-cred, namespace: payments}
      type: kubernetes.io/tls
      stringData: {tls.crt: "%1$s", tls.key: "%2$s", ca.crt: "%3$s"}
      ---
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: gw, namespace: istio-system}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: 8443, name: https, protocol: HTTPS}
          hosts: ["*"]
          tls: {mode: SIMPLE, credentialName: gw-cred}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: bank, namespace: payments}
      spec:
        hosts: [bank.example.com]
        ports: [{number: 443, name: tls, protocol: TLS}]
        resolution: STATIC
        endpoints: [{address: 10.0.0.9}]
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: bank, namespace: payments}
      spec:
        host: bank.example.com
        trafficPolicy: {tls: {mode: MUTUAL, credentialName: client-cred}}
      """;
  static final String BANK = "outbound|443||bank.example.com";

  static XdsResources generate(Proxy proxy) {
    Certificates ca = Certificates.newAuthority("t", Duration.ofDays(1));
    Certificates.Issued c = ca.issue(List.of("x.example.com"), Duration.ofDays(1));
    String yaml = CONFIG.formatted(c.certificatePem().replace("\n", "\\n"), c.privateKeyPem().replace("\n", "\\n"),
        ca.authority().certificatePem().replace("\n", "\\n"));
    return new ConfigGenerator(Samples.fromYaml(yaml).snapshot()).generate(proxy);
  }

  static Proxy gateway() {
    return new Proxy("router~10.0.0.2~gw-1.istio-system~istio-system.svc.cluster.local", ProxyType.ROUTER,
        "10.0.0.2", "gw-1", "istio-system", Map.of("istio", "ingressgateway"));
  }

  static Proxy paymentsSidecar() {
    return new Proxy("sidecar~10.0.0.3~pay-1.payments~payments.svc.cluster.local", ProxyType.SIDECAR, "10.0.0.3",
        "pay-1", "payments", Map.of("app", "pay"));
  }

  @Test
  void aGatewayThatMayReadSecretsGetsItsServerAndKey() {
    XdsResources allowed = generate(gateway().withSecretAccess(true));
    assertThat(allowed.listeners()).extracting(Listener::getName).contains("0.0.0.0_8443");
    assertThat(allowed.secrets()).extracting(Secret::getName).containsExactly("kubernetes://gw-cred");
  }

  @Test
  void aGatewayThatMayNotGetsNeitherTheKeyNorTheServer() {
    XdsResources denied = generate(gateway());
    assertThat(denied.secrets()).isEmpty();
    assertThat(denied.listeners()).extracting(Listener::getName).doesNotContain("0.0.0.0_8443");
  }

  @Test
  void aClusterNamingASecretTheProxyWillNotGetIsLeftOut() {
    // the gateway sees payments' DestinationRule (exported everywhere), but not payments' Secret
    XdsResources gw = generate(gateway().withSecretAccess(true));
    assertThat(gw.clusters()).extracting(Cluster::getName).doesNotContain(BANK);
    assertThat(gw.endpoints()).extracting(ClusterLoadAssignment::getClusterName).doesNotContain(BANK);
    // a payments sidecar without access does not get it either
    assertThat(generate(paymentsSidecar()).clusters()).extracting(Cluster::getName).doesNotContain(BANK);
    // one with access does, with the key
    XdsResources pay = generate(paymentsSidecar().withSecretAccess(true));
    assertThat(pay.clusters()).extracting(Cluster::getName).contains(BANK);
    assertThat(pay.endpoints()).extracting(ClusterLoadAssignment::getClusterName).contains(BANK);
    assertThat(pay.secrets()).extracting(Secret::getName).contains("kubernetes://client-cred");
  }

  @Test
  void theIdentityKeyIsTheOneTheXdsServerWrites() {
    // translate may not import the xDS server (layering); the two constants must agree
    assertThat(ProxyIdentity.IDENTITY_KEY).isEqualTo(Identity.NODE_METADATA_KEY);
  }
}
