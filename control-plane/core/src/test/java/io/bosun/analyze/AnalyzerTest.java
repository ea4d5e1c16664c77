package io.bosun.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigStore;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.testing.Samples;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each code on a crafted config that has the problem, and on one that does not. */
class AnalyzerTest {
  private static final String SERVICES = """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews, namespace: shop}
      spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: reviews-v1, namespace: shop, labels: {app: reviews, version: v1}}
      spec: {containers: [{name: reviews, image: r}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: reviews, namespace: shop}
      spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}]}
      """;

  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: web, namespace: shop}
      spec: {selector: {istio: ingressgateway}, servers: [{port: {number: 80, name: http, protocol: HTTP},
        hosts: ["*"]}]}
      """;

  static List<Message> analyze(String yaml, Coverage coverage, PodInjection... injections) {
    ConfigStore store = Samples.fromYaml(yaml);
    Coverage c = coverage != null ? coverage
        : Coverage.partial(store.entries().stream().map(ConfigStore.Entry::ref).toList());
    return Analyzer.analyze(AnalysisInput.from(store, List.of(injections), c));
  }

  static List<Message> analyze(String yaml) {
    return analyze(yaml, null);
  }

  static List<String> lines(List<Message> messages) {
    return messages.stream().map(Message::toString).toList();
  }

  private static String vs(String name, String host, String destination) {
    return """
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: shop}
        spec: {hosts: [%s], http: [{route: [{destination: %s}]}]}
        """.formatted(name, host, destination);
  }

  @Test
  void validationProblemsAreErrorsAndWarningsWithTheirField() {
    List<Message> m = analyze("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: broken, namespace: shop}
        spec: {hosts: [a]}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: odd, namespace: shop}
        spec: {hosts: [a.example.com], http: [{route: [{destination: {host: a.example.com}}]}],
          tcp: [{match: [{sourceSubnet: 10.0.0.0/8}], route: [{destination: {host: a.example.com}}]}]}
        """);
    assertThat(lines(m)).containsExactly(
        "Error [BSN0001] (VirtualService shop/broken) spec: http, tcp or tls must be provided",
        "Warning [BSN0002] (VirtualService shop/odd) spec.tcp[0].match[0].sourceSubnet: not supported by this"
            + " Bosun release yet; ignored");
    assertThat(m.get(0).source()).isEqualTo("test.yaml");
  }

  @Test
  void aDestinationHostMustExistWhereTheInputCanProveIt() {
    assertThat(lines(analyze(SERVICES + vs("r", "reviews", "{host: reviewz}")))).containsExactly(
        "Error [BSN0101] (VirtualService shop/r) spec.http[0].route[0].destination.host: Referenced host not found:"
            + " \"reviewz.shop.svc.cluster.local\"");
    assertThat(analyze(SERVICES + vs("r", "reviews", "{host: reviews}"))).isEmpty();
    // no Service of namespace other in the files: it may well exist in the cluster
    assertThat(analyze(SERVICES + vs("r", "reviews", "{host: ratings.other.svc.cluster.local}"))).isEmpty();
    // a cluster holds everything
    assertThat(lines(analyze(vs("r", "reviews", "{host: ratings.other.svc.cluster.local}"), Coverage.COMPLETE)))
        .singleElement().asString().startsWith("Error [BSN0101]");
  }

  @Test
  void aServiceEntryHostWildcardsIncludedIsAService() {
    String se = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: ext, namespace: shop}
        spec: {hosts: ["*.example.com"], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE}
        """;
    assertThat(analyze(se + vs("r", "api.example.com", "{host: api.example.com}"))).isEmpty();
    assertThat(lines(analyze(se + vs("r", "api.example.org", "{host: api.example.org}"))))
        .containsExactly("Error [BSN0101] (VirtualService shop/r) spec.http[0].route[0].destination.host:"
            + " Referenced host not found: \"api.example.org\"");
  }

  @Test
  void aDestinationSubsetMustBeDefinedByADestinationRule() {
    assertThat(lines(analyze(SERVICES + vs("r", "reviews", "{host: reviews, subset: v9}")))).containsExactly(
        "Error [BSN0102] (VirtualService shop/r) spec.http[0].route[0].destination.subset: Referenced host+subset in"
            + " destinationrule not found: \"reviews.shop.svc.cluster.local+v9\"");
    assertThat(analyze(SERVICES + vs("r", "reviews", "{host: reviews, subset: v1}"))).isEmpty();
  }

  @Test
  void aVirtualServicesGatewayMustExist() {
    String gateway = GATEWAY + """
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: ["*"], gateways: [%s], http: [{route: [{destination: {host: reviews}}]}]}
        """;
    assertThat(lines(analyze(SERVICES + "---\n" + gateway.formatted("webb")))).containsExactly(
        "Error [BSN0103] (VirtualService shop/r) spec.gateways[0]: Referenced gateway not found: \"shop/webb\"");
    assertThat(analyze(SERVICES + "---\n" + gateway.formatted("web"))).isEmpty();
    // Gateways of another namespace are not in the files
    assertThat(analyze(SERVICES + "---\n" + gateway.formatted("edge/web"))).isEmpty();
  }

  @Test
  void aGatewaySelectorMustMatchAPodOfTheCluster() {
    String gateway = GATEWAY;
    String pod = """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: gw, namespace: istio-system, labels: {istio: ingressgateway}}
        spec: {containers: [{name: istio-proxy, image: envoy}]}
        """;
    assertThat(lines(analyze(gateway, Coverage.COMPLETE))).containsExactly("Error [BSN0104] (Gateway shop/web)"
        + " spec.selector: Referenced selector not found: \"istio=ingressgateway\" matches no pod");
    assertThat(analyze(gateway + pod, Coverage.COMPLETE)).isEmpty();
    // in files, the gateway may be a standalone Envoy that no file describes
    assertThat(analyze(gateway)).isEmpty();
  }

  @Test
  void aSubsetMustSelectAPodOfItsHost() {
    String v4 = SERVICES.replace("[{name: v1, labels: {version: v1}}]",
        "[{name: v1, labels: {version: v1}}, {name: v4, labels: {version: v4}}]");
    assertThat(lines(analyze(v4))).containsExactly("Warning [BSN0105] (DestinationRule shop/reviews)"
        + " spec.subsets[1]: The subset v4 (labels version=v4) selects no pod of reviews.shop.svc.cluster.local;"
        + " requests routed to it fail with 503 (no healthy upstream)");
    assertThat(analyze(SERVICES)).isEmpty();
    // without the namespace's pods nothing can be said
    assertThat(analyze(v4.replace("kind: Pod", "kind: Node").replace("namespace: shop, labels", "labels")))
        .noneMatch(m -> m.code() == Code.SUBSET_SELECTS_NO_POD);
  }

  @Test
  void twoMeshVirtualServicesForOneHostConflict() {
    List<Message> m = analyze(SERVICES + vs("a", "reviews", "{host: reviews}") + vs("b", "reviews", "{host: reviews}"));
    assertThat(lines(m)).containsExactly(
        "Error [BSN0106] (VirtualService shop/a) spec.hosts[0]: The VirtualServices shop/a, shop/b associated with"
            + " mesh define the same host \"reviews.shop.svc.cluster.local\"; sidecars apply only one of them",
        "Error [BSN0106] (VirtualService shop/b) spec.hosts[0]: The VirtualServices shop/b, shop/a associated with"
            + " mesh define the same host \"reviews.shop.svc.cluster.local\"; sidecars apply only one of them");
    // one host on two gateways, or one for mesh and one for a gateway, is fine
    String gatewayOnly = vs("b", "reviews", "{host: reviews}").replace("spec: {", "spec: {gateways: [shop/web], ");
    assertThat(analyze(SERVICES + vs("a", "reviews", "{host: reviews}") + gatewayOnly))
        .noneMatch(x -> x.code() == Code.CONFLICTING_VIRTUAL_SERVICE_HOSTS);
    // each kept to its own namespace: no sidecar sees both
    String own = vs("a", "reviews.shop.svc.cluster.local", "{host: reviews}")
        .replace("spec: {", "spec: {exportTo: [.], ");
    String other = own.replace("name: a, namespace: shop", "name: b, namespace: other");
    assertThat(analyze(SERVICES + own + other)).isEmpty();
  }

  @Test
  void aPodTheInjectionRulesMeshWithoutProxyIsReported() {
    ResourceRef pod = new ResourceRef(Kind.POD, "shop", "reviews-v1");
    assertThat(lines(analyze(SERVICES, null,
        new PodInjection(pod, true, "namespace label istio-injection=enabled", false))))
        .containsExactly("Warning [BSN0107] (Pod shop/reviews-v1) The pod is missing the Istio proxy (namespace label"
            + " istio-injection=enabled); restart it to have one injected");
    assertThat(analyze(SERVICES, null, new PodInjection(pod, true, "injected", true))).isEmpty();
    assertThat(analyze(SERVICES, null, new PodInjection(pod, false, "not asked", false))).isEmpty();
  }

  private static String pa(String ns, String name, String spec) {
    return """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: %s, namespace: %s}
        spec: %s
        """.formatted(name, ns, spec);
  }

  @Test
  void competingPeerAuthenticationsAreReported() {
    assertThat(lines(analyze(pa("shop", "a", "{mtls: {mode: STRICT}}") + pa("shop", "b", "{mtls: {mode: DISABLE}}"))))
        .containsExactly("Warning [BSN0108] (PeerAuthentication shop/b) More than one namespace-wide"
            + " PeerAuthentication (no selector) in namespace shop; only the first by name, shop/a, applies");
    assertThat(lines(analyze(pa("istio-system", "a", "{mtls: {mode: STRICT}}") + pa("istio-system", "b", "{}"))))
        .singleElement().asString().contains("More than one mesh-wide (root namespace istio-system)");
    assertThat(analyze(pa("shop", "a", "{mtls: {mode: STRICT}}") + pa("other", "b", "{mtls: {mode: DISABLE}}")))
        .isEmpty();

    String byApp = "{selector: {matchLabels: {app: reviews}}, mtls: {mode: STRICT}}";
    String byVersion = "{selector: {matchLabels: {version: v1}}, mtls: {mode: DISABLE}}";
    assertThat(lines(analyze(SERVICES + pa("shop", "a", byApp) + pa("shop", "b", byVersion)))).containsExactly(
        "Warning [BSN0109] (PeerAuthentication shop/b) spec.selector: Selects the same workloads as PeerAuthentication"
            + " shop/a (pod reviews-v1); only shop/a, the first by name, applies to them");
    assertThat(lines(analyze(pa("shop", "a", byApp) + pa("shop", "b", byApp)))).singleElement().asString()
        .contains("(the same selector app=reviews)");
    assertThat(analyze(SERVICES + pa("shop", "a", byApp) + pa("shop", "b", byVersion.replace("v1", "v2"))))
        .isEmpty();
  }

  @Test
  void aDestinationRuleTlsModeThePeerAuthenticationRefusesIsAnError() {
    String plaintext = SERVICES.replace("spec: {host: reviews, subsets",
        "spec: {host: reviews, trafficPolicy: {tls: {mode: DISABLE}}, subsets");
    assertThat(lines(analyze(plaintext + pa("shop", "strict", "{mtls: {mode: STRICT}}")))).containsExactly(
        "Error [BSN0110] (DestinationRule shop/reviews) spec.trafficPolicy.tls.mode: tls mode DISABLE conflicts with"
            + " PeerAuthentication mode STRICT of reviews.shop.svc.cluster.local's workloads: every request fails");
    assertThat(analyze(plaintext + pa("shop", "open", "{mtls: {mode: PERMISSIVE}}"))).isEmpty();
    String mutual = plaintext.replace("mode: DISABLE", "mode: ISTIO_MUTUAL");
    assertThat(lines(analyze(mutual + pa("istio-system", "off", "{mtls: {mode: DISABLE}}")))).singleElement()
        .asString().startsWith("Error [BSN0110]");
    assertThat(analyze(mutual + pa("shop", "strict", "{mtls: {mode: STRICT}}"))).isEmpty();
  }

  @Test
  void aGatewaysRouteNamesThePortOfAServiceWithSeveral() {
    String twoPorts = SERVICES.replace("ports: [{name: http, port: 9080}]",
        "ports: [{name: http, port: 9080}, {name: admin, port: 9090}]");
    String bound = GATEWAY + """
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: ["*"], gateways: [web], http: [{route: [{destination: %s}]}]}
        """;
    assertThat(lines(analyze(twoPorts + "---\n" + bound.formatted("{host: reviews}")))).containsExactly(
        "Error [BSN0111] (VirtualService shop/r) spec.http[0].route[0].destination.port: The destination"
            + " reviews.shop.svc.cluster.local has 2 ports and the VirtualService is bound to a gateway: name the"
            + " port (destination.port.number)");
    assertThat(analyze(twoPorts + "---\n" + bound.formatted("{host: reviews, port: {number: 9080}}"))).isEmpty();
    assertThat(analyze(SERVICES + "---\n" + bound.formatted("{host: reviews}"))).isEmpty();
    // a sidecar routes by the port it intercepted
    assertThat(analyze(twoPorts + vs("m", "reviews", "{host: reviews}"))).isEmpty();
  }

  @Test
  void aGatewayMustAdmitTheHostsOfItsVirtualServices() {
    String gateway = GATEWAY.replace("hosts: [\"*\"]", "hosts: [\"*.example.com\", \"./shop.internal\"]");
    String bound = """
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: %s}
        spec: {hosts: [%s], gateways: [shop/web], http: [{route: [{destination: {host: reviews.shop.svc.cluster.local}}]}]}
        """;
    assertThat(lines(analyze(SERVICES + "---\n" + gateway + bound.formatted("shop", "www.example.org"))))
        .containsExactly("Warning [BSN0112] (VirtualService shop/r) spec.hosts[0]: The host \"www.example.org\" is"
            + " admitted by no server of Gateway shop/web; the routes do not apply there");
    assertThat(analyze(SERVICES + "---\n" + gateway + bound.formatted("shop", "www.example.com"))).isEmpty();
    assertThat(analyze(SERVICES + "---\n" + gateway + bound.formatted("shop", "shop.internal"))).isEmpty();
    // "./" admits VirtualServices of the Gateway's own namespace only
    assertThat(lines(analyze(SERVICES + "---\n" + gateway + bound.formatted("front", "shop.internal"))))
        .singleElement().asString().startsWith("Warning [BSN0112] (VirtualService front/r)");
  }

  @Test
  void theSamplesAreClean() {
    for (String sample : List.of("bookinfo", "demo")) {
      ConfigStore store = Samples.load(sample);
      Coverage c = Coverage.partial(store.entries().stream().map(ConfigStore.Entry::ref).toList());
      assertThat(Analyzer.analyze(AnalysisInput.from(store, List.of(), c))).as(sample).isEmpty();
    }
  }
}
