package io.bosun.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.testing.Samples;
import io.bosun.testing.StaticBootstrap;
import io.bosun.translate.ConfigGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Isolation starts with never sending what Envoy would reject: Envoy NACKs a whole route table
 * (every service on that port) for one bad route. For each tricky but plausible route below,
 * either Bosun rejects the VirtualService with a message, or the real Envoy accepts the xDS Bosun
 * generates for it. Nothing may fall between the two.
 */
class EnvoyAcceptanceIT {
  private static final String BASE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web}
      spec:
        hosts: [web.default.svc.cluster.local]
        location: MESH_INTERNAL
        resolution: STATIC
        ports: [{name: http, number: 80, protocol: HTTP}]
        endpoints: [{address: 10.1.1.1}]
      ---
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: gw}
      spec:
        selector: {istio: ingressgateway}
        servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
      ---
      """;

  /** HTTP route bodies (YAML, one list item of spec.http) that probe Envoy's own limits. */
  private static final List<String> ROUTES = List.of(
      "{directResponse: {status: 200, body: {string: \"" + "x".repeat(5000) + "\"}}}",
      "{directResponse: {status: 200, body: {string: \"" + "x".repeat(4000) + "\"}}}",
      "{headers: {request: {set: {\":path\": /x}}}, route: [{destination: {host: web}}]}",
      "{headers: {request: {set: {host: other}}}, route: [{destination: {host: web}}]}",
      "{headers: {request: {remove: [host]}}, route: [{destination: {host: web}}]}",
      "{headers: {response: {set: {host: x}, remove: [host]}}, route: [{destination: {host: web}}]}",
      "{headers: {request: {set: {x-a: \"tab\\tok\"}}}, route: [{destination: {host: web}}]}",
      "{headers: {request: {set: {x-a: \"line\\nbreak\"}}}, route: [{destination: {host: web}}]}",
      "{headers: {response: {set: {x-b: \"\\u0001\"}}}, route: [{destination: {host: web}}]}",
      "{timeout: 100000000h, route: [{destination: {host: web}}]}",
      "{retries: {attempts: 3, perTryTimeout: 100000000h}, route: [{destination: {host: web}}]}",
      "{retries: {attempts: 3, retryOn: \"no-such-condition\"}, route: [{destination: {host: web}}]}",
      "{redirect: {uri: relative/path}}",
      "{redirect: {authority: \"bad host\"}}",
      "{match: [{uri: {prefix: /a}}], rewrite: {uri: \"\"}, route: [{destination: {host: web}}]}",
      "{match: [{uri: {exact: /a}}], rewrite: {uriRegexRewrite: {match: \"(\", rewrite: x}}, route: [{destination: {host: web}}]}",
      "{match: [{uri: {regex: \"/a\"}}], rewrite: {uriRegexRewrite: {match: \"^/a(.*)\", rewrite: \"/b\\\\9\"}}, route: [{destination: {host: web}}]}",
      "{match: [{headers: {\":method\": {exact: GET}}}], route: [{destination: {host: web}}]}",
      "{match: [{queryParams: {q: {regex: \"[a-z0-9-]{1,30}\"}}}], route: [{destination: {host: web}}]}",
      "{corsPolicy: {allowOrigins: [{regex: \"[a-z0-9-]{1,30}\"}]}, route: [{destination: {host: web}}]}",
      "{mirror: {host: web}, mirrorPercentage: {value: 0.00001}, route: [{destination: {host: web}}]}",
      "{fault: {delay: {fixedDelay: 1s, percentage: {value: 0.0000001}}}, route: [{destination: {host: web}}]}",
      "{fault: {abort: {httpStatus: 600}}, route: [{destination: {host: web}}]}",
      "{directResponse: {status: 99}}",
      "{route: [{destination: {host: web}, weight: 4294967295}, {destination: {host: web}, weight: 1}]}",
      "{headers: {request: {add: {\"x-\": y}}}, route: [{destination: {host: web}}]}",
      "{match: [{authority: {exact: \"\"}}], route: [{destination: {host: web}}]}",
      "{match: [{uri: {prefix: \"\"}}], route: [{destination: {host: web}}]}",
      // accepted by Istio's validation; Bosun must either refuse them or send what Envoy takes
      "{headers: {request: {set: {\":authority\": other.example}}}, route: [{destination: {host: web}}]}",
      "{route: [{destination: {host: web}, weight: 60, headers: {request: {add: {Host: a.example}}}},"
          + " {destination: {host: web}, weight: 40, headers: {request: {set: {\":authority\": b.example}}}}]}",
      "{headers: {request: {set: {\"bad header\": x}}, response: {remove: [\"a b\"]}}, route: [{destination: {host: web}}]}",
      "{headers: {response: {set: {x-a: \"%DOWNSTREAM_REMOTE_ADDRESS%\", x-b: \"100%%\"}}}, route: [{destination: {host: web}}]}",
      "{headers: {response: {set: {x-a: \"%NO_SUCH_VARIABLE%\"}}}, route: [{destination: {host: web}}]}",
      "{headers: {request: {set: {x-a: \"%REQ(x-b)% %DYNAMIC_METADATA(a:b)% %FILTER_STATE(k)% %ENVIRONMENT(HOME)%\","
          + " x-b: \"%START_TIME(%s)% %UPSTREAM_METADATA(a:b)% %HOSTNAME% %PROTOCOL% %QUERY_PARAM(q)%\"}}},"
          + " route: [{destination: {host: web}}]}",
      "{headers: {request: {set: {x-a: \"%REQ%\"}}}, route: [{destination: {host: web}}]}",
      "{match: [{headers: {X-User: {exact: j}}, withoutHeaders: {x-b: {regex: \"*\"}}}], route: [{destination: {host: web}}]}",
      "{match: [{uri: {}, method: {}}], route: [{destination: {host: web}}]}",
      "{fault: {abort: {percentage: {value: 10}}, delay: {percentage: {value: 5}}}, route: [{destination: {host: web}}]}",
      "{redirect: {uri: /x, redirectCode: 300}}");

  @Test
  void everyRouteBosunAcceptsTheRealEnvoyAcceptsToo() {
    List<String> rejectedByBosun = new ArrayList<>();
    List<String> acceptedByBoth = new ArrayList<>();
    List<String> rejectedByEnvoyOnly = new ArrayList<>();
    for (String route : ROUTES) {
      String yaml = BASE + """
          apiVersion: networking.istio.io/v1
          kind: VirtualService
          metadata: {name: probe}
          spec:
            hosts: ["*"]
            gateways: [gw]
            http: [%s]
          """.formatted(route);
      ConfigStore store = Samples.fromYaml(yaml);
      List<ConfigError> errors = store.problems().stream().filter(ConfigError::isError).toList();
      String label = route.length() > 90 ? route.substring(0, 90) + "..." : route;
      if (!errors.isEmpty()) {
        rejectedByBosun.add(label + " -> " + errors.get(0).message());
        continue;
      }
      String bootstrap = StaticBootstrap.json(new ConfigGenerator(store.snapshot()).generate(new Proxy(
          "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local", ProxyType.ROUTER, "127.0.0.1", "gw",
          "istio-system", Map.of("istio", "ingressgateway"))));
      assertThat(bootstrap).contains("\"http.8080\"");
      String verdict;
      try {
        EnvoyProcess.validate(EnvoyBinary.require(), bootstrap);
        verdict = "";
      } catch (IllegalStateException e) {
        verdict = e.getMessage();
      }
      if (verdict.isEmpty()) {
        acceptedByBoth.add(label);
      } else {
        String why = verdict.lines().filter(l -> l.contains("critical")).findFirst().orElse(verdict);
        rejectedByEnvoyOnly.add(label + " -> " + why.substring(why.indexOf("envoy.yaml") + 1));
      }
    }
    System.out.printf("rejected by Bosun (%d):%n  %s%naccepted by Bosun and Envoy (%d):%n  %s%n",
        rejectedByBosun.size(), String.join("\n  ", rejectedByBosun), acceptedByBoth.size(),
        String.join("\n  ", acceptedByBoth));
    assertThat(rejectedByEnvoyOnly).as("accepted by Bosun but rejected by Envoy").isEmpty();
    assertThat(acceptedByBoth).as("the probe must exercise Envoy, not only the validator").hasSizeGreaterThan(5);
  }

  /** DestinationRule traffic policies (YAML of spec.trafficPolicy) at Envoy's limits. */
  private static final List<String> POLICIES = List.of(
      "{connectionPool: {tcp: {connectTimeout: 100000000h, maxConnections: 2147483647}}}",
      "{connectionPool: {http: {idleTimeout: 100000000h, maxRequestsPerConnection: 2147483647, http2MaxRequests: 2147483647}}}",
      "{outlierDetection: {interval: 100000000h, baseEjectionTime: 100000000h, consecutive5xxErrors: 2147483647}}",
      "{outlierDetection: {maxEjectionPercent: 100, minHealthPercent: 100, consecutiveGatewayErrors: 0}}",
      "{loadBalancer: {consistentHash: {minimumRingSize: 10000000, httpHeaderName: x-user}}}",
      "{loadBalancer: {consistentHash: {httpCookie: {name: c, ttl: 100000000h}}}}",
      "{loadBalancer: {consistentHash: {maglev: {tableSize: 65537}, useSourceIp: true}}}",
      "{loadBalancer: {simple: PASSTHROUGH}, connectionPool: {tcp: {maxConnections: 1}}}",
      "{portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: RANDOM}}, {port: {number: 81}, loadBalancer: {simple: ROUND_ROBIN}}]}",
      "{loadBalancer: {simple: ROUND_ROBIN, warmup: {duration: 100000000h, minimumPercent: 0, aggression: 0.01}}}",
      "{loadBalancer: {warmup: {duration: 1ms, minimumPercent: 100, aggression: 1000}}}",
      "{loadBalancer: {simple: LEAST_REQUEST, warmupDurationSecs: 30s}}",
      "{loadBalancer: {consistentHash: {httpHeaderName: x-user, minimumRingSize: 10000000}}}",
      "{connectionPool: {http: {http2KeepAlive: {interval: 1ms, timeout: 100000000h}}}}");

  @Test
  void everyTrafficPolicyBosunAcceptsTheRealEnvoyAcceptsToo() {
    List<String> rejectedByEnvoy = new ArrayList<>();
    int accepted = 0;
    for (String policy : POLICIES) {
      ConfigStore store = Samples.fromYaml(BASE + """
          apiVersion: networking.istio.io/v1
          kind: DestinationRule
          metadata: {name: probe}
          spec:
            host: web
            trafficPolicy: %s
            subsets: [{name: v1, labels: {version: v1}, trafficPolicy: %s}]
          """.formatted(policy, policy));
      if (store.problems().stream().anyMatch(ConfigError::isError)) {
        continue;
      }
      accepted++;
      validateFor(store, policy, rejectedByEnvoy);
    }
    assertThat(rejectedByEnvoy).as("accepted by Bosun but rejected by Envoy").isEmpty();
    assertThat(accepted).isGreaterThan(3);
  }

  /** HTTP/2 keepalive (PINGs) and slow start on a gRPC service, where both reach Envoy. */
  @Test
  void http2KeepAliveAndWarmupOnAGrpcServiceTheRealEnvoyAccepts() {
    ConfigStore store = Samples.fromYaml(BASE + """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: grpc}
        spec:
          hosts: [grpc.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: grpc, number: 9000, protocol: GRPC}]
          endpoints: [{address: 10.1.1.2, labels: {version: v1}}, {address: "unix:///var/run/grpc.sock"}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: grpc}
        spec:
          host: grpc
          trafficPolicy:
            connectionPool: {http: {http2KeepAlive: {interval: 30s, timeout: 5s}, maxRequestsPerConnection: 10}}
            loadBalancer: {warmup: {duration: 60s, minimumPercent: 20, aggression: 2}}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 10s}}
        """);
    assertThat(store.problems()).filteredOn(ConfigError::isError).isEmpty();
    assertThat(StaticBootstrap.json(new ConfigGenerator(store.snapshot()).generate(new Proxy(
        "sidecar~10.1.1.9~c.default~default.svc.cluster.local", ProxyType.SIDECAR, "10.1.1.9", "c", "default",
        Map.of("app", "c"))))).contains("connectionKeepalive").contains("slowStartConfig").contains("\"pipe\"");
    List<String> rejected = new ArrayList<>();
    validateFor(store, "grpc", rejected);
    assertThat(rejected).as("accepted by Bosun but rejected by Envoy").isEmpty();
  }

  /** Every valid corpus file and every sample, as a sidecar and as the ingress gateway receive it. */
  @Test
  void everyValidCorpusFileAndSampleIsAcceptedByTheRealEnvoy() throws Exception {
    List<Path> inputs = new ArrayList<>();
    try (var files = Files.list(Samples.validationCorpus().resolve("valid"))) {
      files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(inputs::add);
    }
    List<String> rejected = new ArrayList<>();
    int checked = 0;
    for (Path f : inputs) {
      ConfigStore store = Samples.fromYaml(BASE + Files.readString(f));
      checked += validateFor(store, f.getFileName().toString(), rejected);
    }
    for (String sample : List.of("bookinfo", "demo")) {
      checked += validateFor(Samples.load(sample), "samples/" + sample, rejected);
    }
    assertThat(rejected).as("accepted by Bosun but rejected by Envoy").isEmpty();
    assertThat(checked).isGreaterThan(2 * inputs.size());
  }

  /** A meshed pod (its sidecar serves 9080 and 5432) and the security policies at their most varied. */
  private static final String SECURED = """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: default}
      spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 9080}, {name: tcp, port: 5432}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: web-1, namespace: default, labels: {app: web, security.istio.io/tlsMode: istio}}
      spec: {serviceAccountName: web, containers: [{name: app, image: x}]}
      status: {podIP: 10.1.1.9}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      ports: [{name: http, port: 9080}, {name: tcp, port: 5432}]
      endpoints: [{addresses: [10.1.1.9], targetRef: {kind: Pod, name: web-1}}]
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: web, namespace: default}
      spec: {host: web, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}, subsets: [{name: v1, labels: {app: web}}]}
      ---
      """;

  private static final List<String> SECURITY = List.of(
      "kind: PeerAuthentication\nspec: {mtls: {mode: STRICT}}",
      "kind: PeerAuthentication\nspec: {selector: {matchLabels: {app: web}}, portLevelMtls: {5432: {mode: DISABLE}}}",
      "kind: PeerAuthentication\nspec: {mtls: {mode: PERMISSIVE}}",
      "kind: AuthorizationPolicy\nspec: {}",
      "kind: AuthorizationPolicy\nspec: {action: DENY, rules: [{to: [{operation: {paths: [/a, \"/b/{*}/c\", \"/d/{**}\", "
          + "\"*.txt\", \"/e*\"], methods: [POST]}}]}]}",
      "kind: AuthorizationPolicy\nspec: {action: AUDIT, rules: [{from: [{source: {ipBlocks: [10.0.0.0/8, 1.2.3.4], "
          + "remoteIpBlocks: [\"::1/128\"], notNamespaces: [\"kube-*\"]}}]}]}",
      "kind: AuthorizationPolicy\nspec: {rules: [{from: [{source: {principals: [\"*\", \"*/sa/x\", "
          + "\"cluster.local/ns/a/*\"], requestPrincipals: [\"*\", \"https://i.example/*\", \"*/bob\"]}}], "
          + "to: [{operation: {hosts: [\"*.example.com\", \"a.b\"], notPorts: [\"8080\"]}}], when: ["
          + "{key: \"request.headers[x-a]\", values: [\"*\"]}, {key: source.ip, notValues: [10.0.0.1]}, "
          + "{key: \"request.auth.claims[groups][0]\", values: [admin]}, {key: destination.port, values: [\"9080\"]}, "
          + "{key: connection.sni, values: [\"*.local\"]}, {key: request.auth.audiences, values: [a]}]}]}",
      "kind: RequestAuthentication\nspec: {jwtRules: [{issuer: https://i.example, jwks: '{\"keys\":[]}', "
          + "outputClaimToHeaders: [{header: x-sub, claim: sub}]}, {issuer: https://j.example, "
          + "jwksUri: \"https://keys.example:8443/jwks\", fromParams: [tok], fromHeaders: [{name: x-jwt}]}]}");

  @Test
  void everySecurityPolicyBosunAcceptsTheRealEnvoyAcceptsToo() {
    List<String> rejected = new ArrayList<>();
    int checked = 0;
    for (String policy : SECURITY) {
      ConfigStore store = Samples.fromYaml(SECURED + "apiVersion: security.istio.io/v1\nmetadata: {name: p, "
          + "namespace: default}\n" + policy + "\n");
      assertThat(store.problems()).as(policy).filteredOn(ConfigError::isError).isEmpty();
      ConfigGenerator gen = new ConfigGenerator(store.snapshot());
      for (Proxy proxy : List.of(
          new Proxy("sidecar~10.1.1.9~web-1.default~default.svc.cluster.local", ProxyType.SIDECAR, "10.1.1.9",
              "web-1", "default", Map.of("app", "web"), "", "spiffe://cluster.local/ns/default/sa/web", false, true),
          new Proxy("router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local", ProxyType.ROUTER, "127.0.0.1",
              "gw", "istio-system", Map.of("istio", "ingressgateway"), "", "spiffe://x/ns/istio-system/sa/gw", false,
              true))) {
        String bootstrap = StaticBootstrap.withMeshSecrets(gen.generate(proxy));
        assertThat(bootstrap).as("mutual TLS validated too").contains("\"ROOTCA\"").contains("transport_socket");
        try {
          EnvoyProcess.validate(EnvoyBinary.require(), bootstrap);
          checked++;
        } catch (IllegalStateException e) {
          rejected.add(policy + " (" + proxy.type() + "): " + e.getMessage().lines()
              .filter(l -> l.contains("critical")).findFirst().orElse(e.getMessage()));
        }
      }
    }
    assertThat(rejected).as("accepted by Bosun but rejected by Envoy").isEmpty();
    assertThat(checked).isEqualTo(2 * SECURITY.size());
  }

  private static int validateFor(ConfigStore store, String what, List<String> rejected) {
    ConfigGenerator gen = new ConfigGenerator(store.snapshot());
    int n = 0;
    for (Proxy proxy : List.of(
        new Proxy("sidecar~10.1.1.9~c.default~default.svc.cluster.local", ProxyType.SIDECAR, "10.1.1.9", "c", "default",
            Map.of("app", "c")),
        new Proxy("router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local", ProxyType.ROUTER, "127.0.0.1",
            "gw", "istio-system", Map.of("istio", "ingressgateway")))) {
      try {
        EnvoyProcess.validate(EnvoyBinary.require(), StaticBootstrap.json(gen.generate(proxy)));
      } catch (IllegalStateException e) {
        String why = e.getMessage().lines().filter(l -> l.contains("critical")).findFirst().orElse(e.getMessage());
        // certificate files live on the proxy's file system, which no control plane can see
        if (!why.contains("Invalid path: /etc/certs/")) {
          rejected.add(what + " (" + proxy.type() + "): " + why);
        }
      }
      n++;
    }
    return n;
  }
}
