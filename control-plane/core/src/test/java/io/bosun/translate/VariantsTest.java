package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Samples;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sidecars translation cannot tell apart share one translation (scale probe finding 2: each
 * sidecar used to be translated on its own, 16-55 ms each at 1000 services), and those it can
 * tell apart do not: sourceLabels, inbound ports and namespaces still make their own configs.
 */
class VariantsTest {
  private static final String MESH = """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: db, namespace: shop}
      spec: {clusterIP: 10.96.0.11, ports: [{name: tcp, port: 5432}]}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      ports: [{name: http, port: 8080}]
      endpoints: [{addresses: [10.0.0.1]}, {addresses: [10.0.0.2]}]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: db-1, namespace: shop, labels: {kubernetes.io/service-name: db}}
      addressType: IPv4
      ports: [{name: tcp, port: 5432}]
      endpoints: [{addresses: [10.0.0.3]}]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: web, namespace: shop}
      spec:
        hosts: [web]
        http:
        - match: [{sourceLabels: {tier: canary}}]
          route: [{destination: {host: web}}]
          timeout: 1s
        - route: [{destination: {host: web}}]
      """;

  private static Proxy sidecar(String ip, String namespace, Map<String, String> labels) {
    return new Proxy("sidecar~" + ip + "~p-" + ip + "." + namespace + "~" + namespace + ".svc.cluster.local",
        ProxyType.SIDECAR, ip, "p-" + ip, namespace, labels);
  }

  @Test
  void replicasOfOneWorkloadShareOneTranslation() {
    ConfigGenerator gen = new ConfigGenerator(Samples.fromYaml(MESH).snapshot());
    XdsResources one = gen.generate(sidecar("10.0.0.1", "shop", Map.of("app", "web", "pod-template-hash", "a")));
    XdsResources two = gen.generate(sidecar("10.0.0.2", "shop", Map.of("app", "web", "pod-template-hash", "b")));
    assertThat(two).isSameAs(one);
    assertThat(gen.variants()).isEqualTo(1);
  }

  @Test
  void whatTranslationReadsStillMakesItsOwnConfig() {
    ConfigStore store = Samples.fromYaml(MESH);
    ConfigGenerator gen = new ConfigGenerator(store.snapshot());
    Proxy web = sidecar("10.0.0.1", "shop", Map.of("app", "web"));
    Proxy canary = sidecar("10.0.0.2", "shop", Map.of("app", "web", "tier", "canary"));
    Proxy db = sidecar("10.0.0.3", "shop", Map.of("app", "web"));
    Proxy elsewhere = sidecar("10.0.0.9", "other", Map.of("app", "web"));
    for (Proxy p : new Proxy[] {web, canary, db, elsewhere}) {
      // shared or not, each gets exactly what translating it alone gives
      assertThat(gen.generate(p)).as(p.id()).isEqualTo(new ConfigGenerator(store.snapshot()).generate(p));
    }
    assertThat(gen.variants()).as("sourceLabels, inbound ports and namespace each tell them apart").isEqualTo(4);
    assertThat(gen.generate(canary).routes()).isNotEqualTo(gen.generate(web).routes());
    assertThat(gen.generate(db).listeners()).isNotEqualTo(gen.generate(web).listeners());
  }

  @Test
  void policySelectorsAndTheWorkloadCertificateTellSidecarsApart() {
    ConfigStore store = Samples.fromYaml(MESH + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: strict-web, namespace: shop}
        spec: {selector: {matchLabels: {role: strict}}, mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: admins, namespace: shop}
        spec: {selector: {matchLabels: {team: admin}}, rules: [{to: [{operation: {methods: [GET]}}]}]}
        """);
    ConfigGenerator gen = new ConfigGenerator(store.snapshot());
    Proxy plain = new Proxy("sidecar~10.0.0.1~a.shop~shop.svc.cluster.local", ProxyType.SIDECAR, "10.0.0.1", "a",
        "shop", Map.of("app", "web"), "", "spiffe://cluster.local/ns/shop/sa/web", false, true);
    Proxy strict = new Proxy("sidecar~10.0.0.2~b.shop~shop.svc.cluster.local", ProxyType.SIDECAR, "10.0.0.2", "b",
        "shop", Map.of("app", "web", "role", "strict"), "", "spiffe://cluster.local/ns/shop/sa/web", false, true);
    Proxy admin = new Proxy("sidecar~10.0.0.1~c.shop~shop.svc.cluster.local", ProxyType.SIDECAR, "10.0.0.1", "c",
        "shop", Map.of("app", "web", "team", "admin"), "", "spiffe://cluster.local/ns/shop/sa/web", false, true);
    Proxy anonymous = sidecar("10.0.0.1", "shop", Map.of("app", "web"));
    Proxy replica = new Proxy("sidecar~10.0.0.2~d.shop~shop.svc.cluster.local", ProxyType.SIDECAR, "10.0.0.2", "d",
        "shop", Map.of("app", "web", "role", "strict", "pod-template-hash", "x"), "",
        "spiffe://cluster.local/ns/shop/sa/web", false, true);
    for (Proxy p : new Proxy[] {plain, strict, admin, anonymous, replica}) {
      assertThat(gen.generate(p)).as(p.id()).isEqualTo(new ConfigGenerator(store.snapshot()).generate(p));
    }
    assertThat(gen.generate(replica)).isSameAs(gen.generate(strict));
    assertThat(gen.variants()).as("selector labels and the certificate each tell them apart").isEqualTo(4);
    assertThat(gen.generate(admin).listeners()).isNotEqualTo(gen.generate(plain).listeners());
    assertThat(gen.generate(anonymous).clusters()).isNotEqualTo(gen.generate(plain).clusters());
  }
}
