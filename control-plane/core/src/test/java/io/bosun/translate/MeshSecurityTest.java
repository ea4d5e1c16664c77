package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Golden;
import io.bosun.testing.Samples;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS and the security policies: auto mTLS and ISTIO_MUTUAL on the client side, the
 * inbound chains PeerAuthentication asks for, AuthorizationPolicy as RBAC filters and
 * RequestAuthentication as the JWT filter, and what a proxy without a workload certificate gets.
 */
class MeshSecurityTest {
  /** reviews: a meshed pod (v1, service account reviews) and an unmeshed one (v2); db: TCP. */
  private static final String MESH = """
      apiVersion: v1
      kind: Service
      metadata: {name: reviews, namespace: shop}
      spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 9080}]}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: db, namespace: shop}
      spec: {clusterIP: 10.96.0.11, ports: [{name: tcp, port: 5432}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: reviews-v1, namespace: shop, labels: {app: reviews, version: v1,
        security.istio.io/tlsMode: istio}}
      spec: {serviceAccountName: reviews, containers: [{name: app, image: x}]}
      status: {podIP: 10.0.0.1}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: reviews-v2, namespace: shop, labels: {app: reviews, version: v2}}
      spec: {serviceAccountName: legacy, containers: [{name: app, image: x}]}
      status: {podIP: 10.0.0.2}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: reviews-1, namespace: shop, labels: {kubernetes.io/service-name: reviews}}
      addressType: IPv4
      ports: [{name: http, port: 9080}]
      endpoints:
      - {addresses: [10.0.0.1], targetRef: {kind: Pod, name: reviews-v1}}
      - {addresses: [10.0.0.2], targetRef: {kind: Pod, name: reviews-v2}}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: db-1, namespace: shop, labels: {kubernetes.io/service-name: db}}
      addressType: IPv4
      ports: [{name: tcp, port: 5432}]
      endpoints: [{addresses: [10.0.0.1], targetRef: {kind: Pod, name: reviews-v1}}]
      ---
      """;
  private static final String CLUSTER = "outbound|9080||reviews.shop.svc.cluster.local";
  /** The pod behind reviews v1, with the workload certificate its identity gets. */
  private static final Proxy REVIEWS_V1 = new Proxy("sidecar~10.0.0.1~reviews-v1.shop~shop.svc.cluster.local",
      ProxyType.SIDECAR, "10.0.0.1", "reviews-v1", "shop", Map.of("app", "reviews", "version", "v1"), "",
      "spiffe://cluster.local/ns/shop/sa/reviews", false, true);
  private static final Proxy CLIENT = new Proxy("sidecar~10.0.0.9~client.shop~shop.svc.cluster.local",
      ProxyType.SIDECAR, "10.0.0.9", "client", "shop", Map.of("app", "client"), "",
      "spiffe://cluster.local/ns/shop/sa/client", false, true);

  @Test
  void autoMtlsTakesMutualTlsToMeshedEndpointsAndPlaintextToOthers() throws Exception {
    XdsResources config = generate(MESH, CLIENT);
    Cluster reviews = cluster(config, CLUSTER);
    assertThat(reviews.hasTransportSocket()).isFalse();
    assertThat(reviews.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
        .containsExactly("tlsMode-istio", "tlsMode-disabled");
    UpstreamTlsContext tls = reviews.getTransportSocketMatches(0).getTransportSocket().getTypedConfig()
        .unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("outbound_.9080_._.reviews.shop.svc.cluster.local");
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio-peer-exchange", "istio");
    assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
    var validation = tls.getCommonTlsContext().getCombinedValidationContext();
    assertThat(validation.getValidationContextSdsSecretConfig().getName()).isEqualTo("ROOTCA");
    assertThat(validation.getDefaultValidationContext().getMatchTypedSubjectAltNamesList())
        .extracting(m -> m.getMatcher().getExact())
        .containsExactly("spiffe://cluster.local/ns/shop/sa/legacy", "spiffe://cluster.local/ns/shop/sa/reviews");
    // the meshed endpoint carries the metadata the istio match selects; the other none
    ClusterLoadAssignment cla = config.endpoints().stream().filter(e -> e.getClusterName().equals(CLUSTER))
        .findFirst().orElseThrow();
    List<LbEndpoint> eps = cla.getEndpoints(0).getLbEndpointsList();
    assertThat(eps).hasSize(2);
    assertThat(eps.get(0).getMetadata().getFilterMetadataOrThrow("envoy.transport_socket_match")
        .getFieldsOrThrow("tlsMode").getStringValue()).isEqualTo("istio");
    assertThat(eps.get(1).hasMetadata()).isFalse();
  }

  @Test
  void aProxyWithoutAWorkloadCertificateStaysPlaintextAndGetsNoMutualOnlyClusters() {
    String yaml = MESH + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: shop}
        spec:
          host: reviews
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets: [{name: v1, labels: {version: v1}}]
        """;
    XdsResources certified = generate(yaml, CLIENT);
    assertThat(cluster(certified, "outbound|9080|v1|reviews.shop.svc.cluster.local").hasTransportSocket()).isTrue();
    Proxy anonymous = new Proxy(CLIENT.id(), ProxyType.SIDECAR, CLIENT.ip(), "client", "shop", CLIENT.labels());
    XdsResources config = generate(yaml, anonymous);
    assertThat(config.clusters()).extracting(Cluster::getName).doesNotContain(CLUSTER,
        "outbound|9080|v1|reviews.shop.svc.cluster.local");
    assertThat(config.endpoints()).extracting(ClusterLoadAssignment::getClusterName).doesNotContain(CLUSTER);
    // and auto mTLS: without a DestinationRule, plaintext
    Cluster plain = cluster(generate(MESH, anonymous), CLUSTER);
    assertThat(plain.getTransportSocketMatchesCount()).isZero();
    assertThat(plain.hasTransportSocket()).isFalse();
  }

  @Test
  void istioMutualUsesTheSubsetsSniAndTheRulesSansWhenGiven() throws Exception {
    XdsResources config = generate(MESH + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: shop}
        spec:
          host: reviews
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
          subsets:
          - {name: v1, labels: {version: v1}}
          - name: v2
            labels: {version: v2}
            trafficPolicy: {tls: {mode: ISTIO_MUTUAL, subjectAltNames: ["spiffe://cluster.local/ns/shop/sa/x"]}}
        """, CLIENT);
    UpstreamTlsContext v1 = cluster(config, "outbound|9080|v1|reviews.shop.svc.cluster.local").getTransportSocket()
        .getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(v1.getSni()).isEqualTo("outbound_.9080_.v1_.reviews.shop.svc.cluster.local");
    UpstreamTlsContext v2 = cluster(config, "outbound|9080|v2|reviews.shop.svc.cluster.local").getTransportSocket()
        .getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(v2.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
        .getMatchTypedSubjectAltNamesList()).extracting(m -> m.getMatcher().getExact())
        .containsExactly("spiffe://cluster.local/ns/shop/sa/x");
    // a DestinationRule that disables TLS turns auto mTLS off
    Cluster off = cluster(generate(MESH + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: shop}
        spec: {host: reviews, trafficPolicy: {tls: {mode: DISABLE}}}
        """, CLIENT), CLUSTER);
    assertThat(off.getTransportSocketMatchesCount()).isZero();
    assertThat(off.hasTransportSocket()).isFalse();
  }

  @Test
  void permissiveByDefaultServesMutualTlsByAlpnAndPlaintextBesides() {
    Listener inbound = inbound(generate(MESH, REVIEWS_V1));
    assertThat(inbound.getListenerFiltersList()).extracting(f -> f.getName())
        .containsExactly("envoy.filters.listener.original_dst", "envoy.filters.listener.tls_inspector");
    List<FilterChain> chains = chains(inbound, 9080);
    assertThat(chains).hasSize(2);
    assertThat(chains.get(0).getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
    assertThat(chains.get(0).getFilterChainMatch().getApplicationProtocolsList()).contains("istio");
    assertThat(chains.get(0).hasTransportSocket()).isTrue();
    assertThat(hcm(chains.get(0)).getForwardClientCertDetails())
        .isEqualTo(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD);
    assertThat(chains.get(1).getFilterChainMatch().getTransportProtocol()).isEmpty();
    assertThat(chains.get(1).hasTransportSocket()).isFalse();
    assertThat(hcm(chains.get(1)).getForwardClientCertDetails())
        .as("a plaintext client's own header is not passed on").isEqualTo(
            HttpConnectionManager.ForwardClientCertDetails.SANITIZE);
    assertThat(inbound.getDefaultFilterChain().hasTransportSocket()).isFalse();
  }

  @Test
  void strictRequiresMutualTlsOnEveryPortAndPortLevelOverridesIt() {
    String strict = MESH + """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: shop}
        spec: {mtls: {mode: STRICT}}
        """;
    Listener inbound = inbound(generate(strict, REVIEWS_V1));
    assertThat(chains(inbound, 9080)).singleElement().satisfies(c -> {
      assertThat(c.hasTransportSocket()).isTrue();
      assertThat(c.getFilterChainMatch().getTransportProtocol()).isEmpty();
    });
    assertThat(inbound.getDefaultFilterChain().hasTransportSocket()).as("ports no service names too").isTrue();
    assertThat(inbound.getListenerFiltersList()).extracting(f -> f.getName())
        .doesNotContain("envoy.filters.listener.tls_inspector");
    // the workload's own policy opens 5432 in plaintext
    Listener mixed = inbound(generate(strict + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: reviews, namespace: shop}
        spec:
          selector: {matchLabels: {app: reviews}}
          portLevelMtls: {5432: {mode: DISABLE}}
        """, REVIEWS_V1));
    assertThat(chains(mixed, 9080)).singleElement().satisfies(c -> assertThat(c.hasTransportSocket()).isTrue());
    assertThat(chains(mixed, 5432)).singleElement().satisfies(c -> assertThat(c.hasTransportSocket()).isFalse());
    // the mesh-wide DISABLE in the root namespace is overridden by the namespace's STRICT
    Listener rooted = inbound(generate(strict + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: DISABLE}}
        """, REVIEWS_V1));
    assertThat(chains(rooted, 9080)).singleElement().satisfies(c -> assertThat(c.hasTransportSocket()).isTrue());
    // without a certificate, STRICT refuses everything rather than take plaintext
    Proxy anonymous = new Proxy(REVIEWS_V1.id(), ProxyType.SIDECAR, "10.0.0.1", "reviews-v1", "shop",
        REVIEWS_V1.labels());
    assertThat(chains(inbound(generate(strict, anonymous)), 9080)).singleElement().satisfies(c ->
        assertThat(c.getFilters(0).getTypedConfig().toString()).contains("BlackHoleCluster"));
  }

  @Test
  void disableServesPlaintextOnly() {
    Listener inbound = inbound(generate(MESH + """
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: DISABLE}}
        """, REVIEWS_V1));
    assertThat(chains(inbound, 9080)).singleElement().satisfies(c -> assertThat(c.hasTransportSocket()).isFalse());
  }

  @Test
  void authorizationPoliciesBecomeRbacFiltersInIstiosOrder() throws Exception {
    XdsResources config = generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-client, namespace: shop}
        spec:
          selector: {matchLabels: {app: reviews}}
          rules: [{from: [{source: {principals: [cluster.local/ns/shop/sa/client]}}], to: [{operation: {methods: [GET]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-secret, namespace: shop}
        spec:
          action: DENY
          rules: [{to: [{operation: {paths: [/secret, "/admin/{**}"]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: jwt, namespace: shop}
        spec:
          jwtRules: [{issuer: https://issuer.example, jwksUri: "https://keys.example/jwks.json"}]
        """, REVIEWS_V1);
    FilterChain http = chains(inbound(config), 9080).get(0);
    List<HttpFilter> filters = hcm(http).getHttpFiltersList();
    assertThat(filters).extracting(HttpFilter::getName).containsExactly("envoy.filters.http.jwt_authn",
        "envoy.filters.http.rbac", "envoy.filters.http.rbac", "envoy.filters.http.router");
    RBAC deny = rbac(filters.get(1).getTypedConfig());
    assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
    assertThat(deny.getPoliciesMap()).containsOnlyKeys("ns[shop]-policy[deny-secret]-rule[0]");
    assertThat(deny.toString()).contains("/secret").contains("/admin/**");
    RBAC allow = rbac(filters.get(2).getTypedConfig());
    assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(allow.toString()).contains("spiffe://cluster.local/ns/shop/sa/client").contains(":method");
    JwtAuthentication jwt = filters.get(0).getTypedConfig().unpack(JwtAuthentication.class);
    assertThat(jwt.getProvidersMap()).containsOnlyKeys("origins-0");
    assertThat(jwt.getProvidersOrThrow("origins-0").getRemoteJwks().getHttpUri().getCluster())
        .isEqualTo("outbound|443||keys.example");
    assertThat(jwt.getRules(0).getRequires().getRequiresAny().getRequirementsList())
        .extracting(r -> r.hasAllowMissing()).containsExactly(false, true);
    assertThat(config.clusters()).extracting(Cluster::getName).contains("outbound|443||keys.example");
    // TCP: the DENY keeps what TCP can check (nothing: it denies all), the HTTP-only ALLOW rule is dropped
    FilterChain tcp = chains(inbound(config), 5432).get(0);
    assertThat(tcp.getFiltersList()).extracting(Filter::getName).containsExactly("envoy.filters.network.rbac",
        "envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy");
    var networkAllow = tcp.getFilters(1).getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class).getRules();
    assertThat(networkAllow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(networkAllow.getPoliciesMap()).isEmpty();
    // the client's sidecar is not selected by the ALLOW, only by the namespace's DENY
    List<HttpFilter> clientFilters = hcm(chains(inbound(generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-client, namespace: shop}
        spec:
          selector: {matchLabels: {app: reviews}}
          rules: [{}]
        """, new Proxy(REVIEWS_V1.id(), ProxyType.SIDECAR, "10.0.0.1", "reviews-v1", "shop", Map.of("app", "x"),
        "", REVIEWS_V1.identity(), false, true))), 9080).get(0)).getHttpFiltersList();
    assertThat(clientFilters).extracting(HttpFilter::getName).containsExactly("envoy.filters.http.router");
  }

  @Test
  void allowNothingDeniesEverything() throws Exception {
    XdsResources config = generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-nothing, namespace: shop}
        spec: {}
        """, REVIEWS_V1);
    List<HttpFilter> filters = hcm(chains(inbound(config), 9080).get(0)).getHttpFiltersList();
    RBAC allow = rbac(filters.get(0).getTypedConfig());
    assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(allow.getPoliciesMap()).isEmpty();
  }

  @Test
  void goldenInboundWithEveryPolicy() throws Exception {
    XdsResources config = generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: reviews, namespace: shop}
        spec:
          selector: {matchLabels: {app: reviews}}
          mtls: {mode: STRICT}
          portLevelMtls: {5432: {mode: PERMISSIVE}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: rules, namespace: shop}
        spec:
          rules:
          - from: [{source: {namespaces: [shop], notPrincipals: ["*/sa/legacy"], ipBlocks: [10.0.0.0/8]}}]
            to: [{operation: {hosts: ["*.example.com"], ports: ["9080"], notMethods: [DELETE], paths: ["/api/*"]}}]
            when:
            - {key: "request.headers[x-token]", values: [open-sesame]}
            - {key: "request.auth.claims[groups]", values: [admin]}
          - from: [{source: {requestPrincipals: ["https://issuer.example/alice"]}}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: audit, namespace: istio-system}
        spec:
          action: AUDIT
          rules: [{to: [{operation: {paths: ["/audited/{*}/x"]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: RequestAuthentication
        metadata: {name: jwt, namespace: shop}
        spec:
          jwtRules:
          - issuer: https://issuer.example
            jwks: '{"keys":[]}'
            fromHeaders: [{name: x-jwt, prefix: "Token "}]
            outputPayloadToHeader: x-jwt-payload
            forwardOriginalToken: true
        """, REVIEWS_V1);
    Golden.assertMatches("security-inbound-reviews-v1.json", TranslationGoldenTest.render(new XdsResources(
        config.clusters().stream().filter(c -> c.getName().equals(CLUSTER)).toList(), List.of(),
        List.of(inbound(config)), List.of())));
  }

  @Test
  void aGatewayServerWithIstioMutualTakesTheMeshsClientCertificates() throws Exception {
    String yaml = MESH + """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: east, namespace: shop}
        spec:
          selector: {istio: eastwestgateway}
          servers: [{port: {number: 15443, name: mtls, protocol: HTTPS}, hosts: ["*"], tls: {mode: ISTIO_MUTUAL}}]
        """;
    Proxy gateway = new Proxy("router~10.0.0.5~east.shop~shop.svc.cluster.local", ProxyType.ROUTER, "10.0.0.5",
        "east", "shop", Map.of("istio", "eastwestgateway"), "", "spiffe://cluster.local/ns/shop/sa/east", false, true);
    Listener l = generate(yaml, gateway).listeners().stream().filter(x -> x.getName().equals("0.0.0.0_15443"))
        .findFirst().orElseThrow();
    var tls = l.getFilterChains(0).getTransportSocket().getTypedConfig().unpack(
        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext.class);
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
    assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
    assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
        .getName()).isEqualTo("ROOTCA");
    // without a certificate of its own the gateway cannot serve it: no listener rather than one that waits
    Proxy anonymous = new Proxy(gateway.id(), ProxyType.ROUTER, "10.0.0.5", "east", "shop", gateway.labels());
    assertThat(generate(yaml, anonymous).listeners()).extracting(Listener::getName).doesNotContain("0.0.0.0_15443");
  }

  @Test
  void wildcardsMatchAsIstiosDoAndPathsAreNormalizedFirst() throws Exception {
    XdsResources config = generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: w, namespace: shop}
        spec:
          rules:
          - from: [{source: {namespaces: ["team-*-prod"]}}]
          - from: [{source: {requestPrincipals: ["*/admin", "*"]}}]
        """, REVIEWS_V1);
    HttpConnectionManager hcm = hcm(chains(inbound(config), 9080).get(0));
    assertThat(hcm.getNormalizePath().getValue()).as("no /./ or ../ around a path rule").isTrue();
    RBAC allow = rbac(hcm.getHttpFilters(0).getTypedConfig());
    String rules = allow.toString();
    // every * of a namespace is a wildcard
    assertThat(rules).contains(".*/ns/team-[^/]*-prod/.*");
    // "*/admin": any issuer, the subject exactly (never a suffix: "notadmin" is not "admin")
    var principal = allow.getPoliciesOrThrow("ns[shop]-policy[w]-rule[1]").getPrincipals(0).toString();
    assertThat(principal).contains("exact: \"admin\"").doesNotContain("suffix: \"admin\"");
    // "*": a token with both an issuer and a subject
    assertThat(principal.split("key: \"sub\"", -1).length - 1).isEqualTo(2);
  }

  @Test
  void strictWithoutACertificateRefusesThePortsNoServiceNamesToo() {
    Proxy anonymous = new Proxy(REVIEWS_V1.id(), ProxyType.SIDECAR, "10.0.0.1", "reviews-v1", "shop",
        REVIEWS_V1.labels());
    Listener inbound = inbound(generate(MESH + """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: shop}
        spec: {mtls: {mode: STRICT}}
        """, anonymous));
    assertThat(inbound.getDefaultFilterChain().getFilters(0).getTypedConfig().toString())
        .contains("BlackHoleCluster");
  }

  @Test
  void aGatewaysTcpServerIsAuthorizedToo() {
    Proxy gateway = new Proxy("router~10.0.0.5~gw.shop~shop.svc.cluster.local", ProxyType.ROUTER, "10.0.0.5", "gw",
        "shop", Map.of("istio", "ingressgateway"));
    XdsResources config = generate(MESH + """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: shop}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: 5432, name: tcp, protocol: TCP}, hosts: ["*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: db, namespace: shop}
        spec:
          hosts: ["*"]
          gateways: [gw]
          tcp: [{route: [{destination: {host: db}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ips, namespace: shop}
        spec:
          selector: {matchLabels: {istio: ingressgateway}}
          rules: [{from: [{source: {ipBlocks: [192.0.2.0/24]}}]}]
        """, gateway);
    Listener tcp = config.listeners().stream().filter(l -> l.getName().equals("0.0.0.0_5432")).findFirst()
        .orElseThrow();
    assertThat(tcp.getFilterChains(0).getFiltersList()).extracting(Filter::getName)
        .containsExactly("envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy");
  }

  @Test
  void sameInputGivesTheSameBytes() {
    String yaml = MESH + """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: a, namespace: shop}
        spec: {rules: [{from: [{source: {principals: [a, b, c]}}]}, {to: [{operation: {ports: ["1", "2"]}}]}]}
        """;
    assertThat(TranslationGoldenTest.bytes(generate(yaml, REVIEWS_V1)))
        .isEqualTo(TranslationGoldenTest.bytes(generate(yaml, REVIEWS_V1)));
  }

  private static XdsResources generate(String yaml, Proxy proxy) {
    ConfigStore store = Samples.fromYaml(yaml);
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    return new ConfigGenerator(store.snapshot()).generate(proxy);
  }

  private static Cluster cluster(XdsResources config, String name) {
    return config.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Listener inbound(XdsResources config) {
    return config.listeners().stream().filter(l -> l.getName().equals("virtualInbound")).findFirst().orElseThrow();
  }

  private static List<FilterChain> chains(Listener l, int port) {
    return l.getFilterChainsList().stream().filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == port)
        .toList();
  }

  private static HttpConnectionManager hcm(FilterChain chain) {
    try {
      return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static RBAC rbac(Any config) throws InvalidProtocolBufferException {
    return config.unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
  }
}
