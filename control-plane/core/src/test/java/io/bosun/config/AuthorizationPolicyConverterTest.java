package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.AuthorizationPolicy.Action;
import io.bosun.model.Ignored;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an AuthorizationPolicy becomes in the model, and what Bosun warns about. */
class AuthorizationPolicyConverterTest {
  private static final String HEAD = """
      apiVersion: security.istio.io/v1
      kind: AuthorizationPolicy
      metadata: {name: p, namespace: shop}
      """;

  static Conversion convert(String yaml) {
    ConfigParser.Parsed parsed = new ConfigParser().parse("p.yaml", yaml);
    assertThat(parsed.fileErrors()).isEmpty();
    assertThat(parsed.conversions()).hasSize(1);
    return parsed.conversions().get(0);
  }

  static List<String> warnings(Conversion c) {
    return c.problems().stream().filter(p -> !p.isError()).map(p -> p.field() + ": " + p.message()).toList();
  }

  static List<String> errors(Conversion c) {
    return c.errors().stream().map(p -> p.field() + ": " + p.message()).toList();
  }

  private static AuthorizationPolicy policy(String spec) {
    Conversion c = convert(HEAD + spec);
    assertThat(errors(c)).isEmpty();
    return (AuthorizationPolicy) c.value();
  }

  @Test
  void everyPartOfARuleReachesTheModel() {
    AuthorizationPolicy p = policy("""
        spec:
          selector: {matchLabels: {app: reviews}}
          action: DENY
          rules:
          - from:
            - source:
                principals: [cluster.local/ns/shop/sa/web]
                notRequestPrincipals: ["*"]
                namespaces: [shop]
                ipBlocks: [10.0.0.0/8]
                notRemoteIpBlocks: ["2001:db8::1"]
            to:
            - operation: {hosts: [shop.example.com], ports: ["8080"], methods: [POST], notPaths: [/healthz]}
            when:
            - {key: "request.headers[x-tenant]", values: [gold], notValues: [lead]}
            - {key: "request.headers[:authority]", values: ["*.example.com"]}
          - {}
        """);
    assertThat(p.ref()).isEqualTo(new ResourceRef(Kind.AUTHORIZATION_POLICY, "shop", "p"));
    assertThat(p.selector()).isEqualTo(Map.of("app", "reviews"));
    assertThat(p.action()).isEqualTo(Action.DENY);
    assertThat(p.provider()).isEmpty();
    assertThat(p.rules()).hasSize(2);
    AuthorizationPolicy.Rule r = p.rules().get(0);
    assertThat(r.from()).singleElement().satisfies(s -> {
      assertThat(s.principals()).containsExactly("cluster.local/ns/shop/sa/web");
      assertThat(s.notRequestPrincipals()).containsExactly("*");
      assertThat(s.namespaces()).containsExactly("shop");
      assertThat(s.ipBlocks()).containsExactly("10.0.0.0/8");
      assertThat(s.notRemoteIpBlocks()).containsExactly("2001:db8::1");
    });
    assertThat(r.to()).singleElement().satisfies(o -> {
      assertThat(o.hosts()).containsExactly("shop.example.com");
      assertThat(o.ports()).containsExactly("8080");
      assertThat(o.methods()).containsExactly("POST");
      assertThat(o.notPaths()).containsExactly("/healthz");
    });
    assertThat(r.when()).containsExactly(new AuthorizationPolicy.Condition("request.headers[x-tenant]",
        List.of("gold"), List.of("lead")), new AuthorizationPolicy.Condition("request.headers[:authority]",
        List.of("*.example.com"), List.of()));
    assertThat(p.rules().get(1)).isEqualTo(new AuthorizationPolicy.Rule(List.of(), List.of(), List.of()));
  }

  @Test
  void customNamesItsProviderAndV1beta1IsAccepted() {
    Conversion c = convert(HEAD.replace("/v1", "/v1beta1") + """
        spec:
          action: CUSTOM
          provider: {name: opa}
          rules: [{to: [{operation: {paths: ["/admin/{**}"]}}]}]
        """);
    AuthorizationPolicy p = (AuthorizationPolicy) c.value();
    assertThat(p.action()).isEqualTo(Action.CUSTOM);
    assertThat(p.provider()).isEqualTo("opa");
    assertThat(p.selector()).as("no selector: the whole namespace").isNull();
  }

  @Test
  void serviceAccountsBecomeThePrincipalsThatCarryThem() {
    AuthorizationPolicy p = policy("""
        spec:
          rules:
          - from: [{source: {serviceAccounts: [web, batch/cron], notServiceAccounts: [shop/legacy]}}]
            when: [{key: source.serviceAccount, values: [web]}]
        """);
    AuthorizationPolicy.Source s = p.rules().get(0).from().get(0);
    assertThat(s.principals()).containsExactly("*/ns/shop/sa/web", "*/ns/batch/sa/cron");
    assertThat(s.notPrincipals()).containsExactly("*/ns/shop/sa/legacy");
    assertThat(p.rules().get(0).when()).containsExactly(new AuthorizationPolicy.Condition("source.principal",
        List.of("*/ns/shop/sa/web"), List.of()));
  }

  @Test
  void aConditionBosunCannotApplyFailsClosed() {
    String rules = """
          rules:
          - to: [{operation: {ports: ["80"]}}]
            when: [{key: source.trustDomain, values: [example.org]}]
          - to: [{operation: {ports: ["81"]}}]
        """;
    Conversion allow = convert(HEAD + "spec:\n" + rules);
    AuthorizationPolicy p = (AuthorizationPolicy) allow.value();
    assertThat(p.rules()).as("the ALLOW rule is dropped: it never matches").singleElement()
        .satisfies(r -> assertThat(r.to().get(0).ports()).containsExactly("81"));
    assertThat(warnings(allow)).containsExactly("spec.rules[0].when[0].key: source.trustDomain is not supported by "
        + "this Bosun release: this ALLOW rule never matches");

    Conversion deny = convert(HEAD + "spec:\n  action: DENY\n" + rules);
    AuthorizationPolicy d = (AuthorizationPolicy) deny.value();
    assertThat(d.rules()).as("the DENY rule loses the condition: it matches more").hasSize(2);
    assertThat(d.rules().get(0).when()).isEmpty();
    assertThat(warnings(deny)).contains("spec.rules[0].when[0].key: source.trustDomain is not supported by this "
        + "Bosun release: the condition is left out, so this DENY rule matches more requests");
  }

  @Test
  void targetRefsAndDryRunPoliciesApplyToNoWorkload() {
    Conversion target = convert(HEAD + """
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]
          rules: [{}]
        """);
    assertThat(target.value()).isInstanceOf(Ignored.class);
    assertThat(warnings(target)).singleElement().asString().startsWith("spec.targetRefs: policies attached to");

    Conversion badTarget = convert(HEAD + "spec:\n  targetRef: {kind: Deployment, name: web, namespace: other}\n");
    assertThat(errors(badTarget)).containsExactly(
        "spec.targetRef.namespace: must not be set: cross-namespace references are not supported",
        "spec.targetRef: must name a Service, a ServiceEntry (networking.istio.io), or a Gateway or GatewayClass "
            + "(gateway.networking.k8s.io), not core/Deployment");

    String dryRun = HEAD.replace("namespace: shop}", "namespace: shop, annotations: {istio.io/dry-run: \"%s\"}}")
        + "spec: {action: DENY, rules: [{}]}\n";
    Conversion on = convert(dryRun.formatted("true"));
    assertThat(on.value()).isInstanceOf(Ignored.class);
    assertThat(warnings(on)).singleElement().asString().contains("dry-run policies are not supported");
    assertThat(convert(dryRun.formatted("false")).value()).isInstanceOf(AuthorizationPolicy.class);
    assertThat(errors(convert(dryRun.formatted("maybe")))).containsExactly(
        "metadata.annotations.istio.io/dry-run: must be true or false, not \"maybe\"");
  }

  @Test
  void istioAcceptsButBosunWarnsAbout() {
    Conversion c = convert(HEAD + """
        spec:
          selector: {}
          action: DENY
          rules:
          - from: [{source: {principals: ["cluster.local/ns/*/sa/web"], requestPrincipals: ["*@example.com"]}}]
            to: [{operation: {methods: [GET], paths: ["/a*b"]}}]
        """);
    assertThat(errors(c)).isEmpty();
    assertThat(((AuthorizationPolicy) c.value()).selector()).as("selector without labels: namespace-wide").isNull();
    assertThat(warnings(c)).containsExactly(
        "spec.selector: a selector without matchLabels selects every workload of the namespace",
        "spec.rules[0].from[0].source.principals[0]: \"cluster.local/ns/*/sa/web\": '*' is a wildcard only alone, "
            + "as the first or as the last character; elsewhere it matches a literal '*'",
        "spec.rules[0].to[0].operation.paths[0]: \"/a*b\": '*' is a wildcard only alone, as the first or as the "
            + "last character; elsewhere it matches a literal '*'",
        "spec.rules[0]: a DENY rule with only HTTP attributes denies all traffic to the TCP ports it covers; name "
            + "the ports (to.operation.ports) to limit it");
  }

  @Test
  void customRefusesIdentityAttributes() {
    Conversion c = convert(HEAD + """
        spec:
          action: CUSTOM
          provider: {name: opa}
          rules:
          - from: [{source: {namespaces: [shop], ipBlocks: [10.0.0.1]}}]
            when: [{key: "request.auth.claims[iss]", values: [a]}, {key: source.ip, values: [10.0.0.1]}]
        """);
    assertThat(errors(c)).containsExactly(
        "spec.rules[0].from[0].source.namespaces: not supported with action CUSTOM",
        "spec.rules[0].when[0].key: request.auth.claims[iss] is not supported with action CUSTOM");
  }

  @Test
  void valuesAreCheckedPerAttribute() {
    Conversion c = convert(HEAD + """
        spec:
          rules:
          - from: [{source: {principals: ["", a], remoteIpBlocks: ["::ffff:10.0.0.1", "1.2.3.04", "fe80::1::2"]}}]
            to: [{operation: {notPorts: ["65536"], paths: ["/{*}/x{y}"]}}]
            when:
            - {key: destination.ip, values: [300.1.1.1]}
            - {key: "request.headers[bad header]", values: [x]}
            - {key: "request.auth.claims[]", values: [x]}
            - {key: destination.name, values: [x]}
            - {key: source.serviceAccount, values: ["a/b/c"]}
            - {key: source.trustDomain, values: ["a*b"]}
        """);
    assertThat(errors(c)).containsExactly(
        "spec.rules[0].from[0].source.principals[0]: must not be empty",
        "spec.rules[0].from[0].source.remoteIpBlocks[1]: \"1.2.3.04\" is not an IP address or a CIDR block",
        "spec.rules[0].from[0].source.remoteIpBlocks[2]: \"fe80::1::2\" is not an IP address or a CIDR block",
        "spec.rules[0].to[0].operation.notPorts[0]: \"65536\" is not a port number 0-65535",
        "spec.rules[0].to[0].operation.paths[0]: \"/{*}/x{y}\": '{' and '}' are allowed only in the templates {*} "
            + "and {**}",
        "spec.rules[0].when[0].values[0]: \"300.1.1.1\" is not an IP address or a CIDR block",
        "spec.rules[0].when[1].key: \"bad header\" is not a valid header name",
        "spec.rules[0].when[2].key: must be request.auth.claims[<claim>] (nested claims: [<claim>][<claim>]), not "
            + "request.auth.claims[]",
        "spec.rules[0].when[3].key: destination.name is deprecated: only supported in v1alpha1",
        "spec.rules[0].when[4].values[0]: must be serviceAccount or namespace/serviceAccount, not \"a/b/c\"",
        "spec.rules[0].when[5].values[0]: a trust domain may have one '*', as its first or last character");
  }

  @Test
  void nullEntriesAreReportedNotThrown() {
    Conversion c = convert(HEAD + """
        spec:
          rules:
          - from: [{source: {principals: [~], serviceAccounts: [~]}}, ~]
            to: [~]
            when: [~, {key: source.ip, values: [~]}]
          - ~
        """);
    assertThat(c.valid()).isFalse();
    assertThat(errors(c)).contains("spec.rules[0].from[1].source: a source is required",
        "spec.rules[0].to[0].operation: an operation is required", "spec.rules[0].when[0]: a condition is required here",
        "spec.rules[1]: a rule is required here (an empty rule {} matches every request)");
  }

  @Test
  void anUnknownActionIsAnErrorNotAnAllow() {
    assertThat(errors(convert(HEAD + "spec: {action: DENNY, rules: [{}]}\n")))
        .containsExactly("spec.action: must be one of ALLOW, DENY, AUDIT, CUSTOM, not \"DENNY\"");
    assertThat(errors(convert(HEAD + "spec: {action: deny, rules: [{}]}\n"))).hasSize(1);
    assertThat(((AuthorizationPolicy) convert(HEAD + "spec: {action: 1, rules: [{}]}\n").value()).action())
        .as("the proto number, as Istio reads it").isEqualTo(Action.DENY);
  }

  @Test
  void onlySecurityIstioIoVersionsOneAndOneBeta1() {
    assertThat(errors(convert(HEAD.replace("security.istio.io/v1", "networking.istio.io/v1") + "spec: {}\n")))
        .singleElement().asString().startsWith("kind: unsupported kind networking.istio.io/v1 AuthorizationPolicy");
    assertThat(errors(convert(HEAD.replace("security.istio.io/v1", "security.istio.io/v1alpha3") + "spec: {}\n")))
        .singleElement().asString().contains("security.istio.io v1/v1beta1 PeerAuthentication, AuthorizationPolicy, "
            + "RequestAuthentication");
    assertThat(errors(convert("""
        apiVersion: security.istio.io/v1
        kind: VirtualService
        metadata: {name: r}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}
        """))).singleElement().asString().startsWith("kind: unsupported kind security.istio.io/v1 VirtualService");
  }
}
