package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each invalid object is rejected with a message naming the object, the field path and the problem. */
class ValidationTest {
  private static final String VS = """
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: r, namespace: shop}
      spec:
      """;

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of(VS + "  hosts: [reviews]\n",
            "VirtualService shop/r: spec: http, tcp or tls must be provided"),
        Arguments.of(VS + "  gateways: [gw]\n  http: [{route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.gateways: a delegate VirtualService (no hosts) cannot have gateways"),
        Arguments.of(VS + "  hosts: [a, a]\n  http: [{route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.hosts[1]: duplicate host a"),
        Arguments.of(VS + "  hosts: ['*']\n  http: [{route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.hosts[0]: wildcard host * is not allowed for a VirtualService bound to the mesh"),
        Arguments.of(VS + "  hosts: [a]\n  http: [{match: [{uri: {prefix: /}}]}]\n",
            "VirtualService shop/r: spec.http[0]: one of route, redirect, directResponse or delegate is required"),
        Arguments.of(VS
            + "  hosts: [a]\n  http: [{match: [{uri: {regex: '(unclosed'}}], route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.http[0].match[0].uri.regex: invalid RE2 regular expression \"(unclosed\": missing closing )"),
        Arguments.of(VS
            + "  hosts: [a]\n  http: [{match: [{headers: {x: {regex: 'a**'}}}], route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.http[0].match[0].headers.x.regex: invalid RE2 regular expression \"a**\""),
        Arguments.of(VS
            + "  hosts: [a]\n  http: [{route: [{destination: {host: a}, weight: 0}, {destination: {host: b}, weight: 0}]}]\n",
            "VirtualService shop/r: spec.http[0].route: total weight of the destinations must be greater than 0"),
        Arguments.of(VS
            + "  hosts: [a]\n  http: [{route: [{destination: {host: a}, weight: -5}, {destination: {host: b}, weight: 5}]}]\n",
            "VirtualService shop/r: spec.http[0].route[0].weight: weight must not be negative"),
        Arguments.of(VS + "  hosts: [a]\n  http: [{route: [{destination: {host: a, port: {number: 70000}}}]}]\n",
            "VirtualService shop/r: spec.http[0].route[0].destination.port.number: port number 70000 is out of range 1-65535"),
        Arguments.of(VS + "  hosts: [a]\n  http: [{route: [{destination: {}}]}]\n",
            "VirtualService shop/r: spec.http[0].route[0].destination.host: host is required"),
        Arguments.of(VS + "  hosts: [a]\n  htp: []\n  http: [{route: [{destination: {host: a}}]}]\n",
            "VirtualService shop/r: spec.htp: unknown field"),
        Arguments.of(VS + "  hosts: [a]\n  http: [{route: [{destination: {host: a, subst: v1}}]}]\n",
            "VirtualService shop/r: spec.http[0].route[0].destination.subst: unknown field"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: d}
            spec: {host: reviews, subsets: [{name: v1, labels: {version: v1}}, {name: v1}]}
            """, "DestinationRule default/d: spec.subsets[1].name: duplicate subset name v1"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: d}
            spec: {subsets: [{name: v1}]}
            """, "DestinationRule default/d: spec.host: host is required"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: d}
            spec: {host: a, trafficPolicy: {loadBalancer: {simple: FASTEST}}}
            """, "DestinationRule default/d: spec.trafficPolicy.loadBalancer.simple: must be one of"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: g}
            spec: {selector: {istio: ingressgateway}}
            """, "Gateway default/g: spec.servers: at least one server is required"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: g}
            spec: {servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [a.com]}]}
            """, "Gateway default/g: spec.servers[0].tls: tls settings are required for protocol HTTPS"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: g}
            spec: {servers: [{port: {number: 80, name: http, protocol: HTTP}}]}
            """, "Gateway default/g: spec.servers[0].hosts: at least one host is required"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: g}
            spec: {servers: [{port: {number: 0, name: http, protocol: HTTP}, hosts: ['*']}]}
            """, "Gateway default/g: spec.servers[0].port.number: port number 0 is out of range 1-65535"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {ports: [{number: 80, name: http}], resolution: STATIC, endpoints: [{address: 1.2.3.4}]}
            """, "ServiceEntry default/s: spec.hosts: at least one host is required"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {hosts: [a.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DYNAMIC_DNS}
            """, "ServiceEntry default/s: spec.hosts[0]: resolution DYNAMIC_DNS needs wildcard hosts"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {hosts: [a.com], ports: [{number: 80, name: http}], resolution: STATIC, endpoints: [{address: 1.2.3.4, ports: {web: 8080}}]}
            """, "ServiceEntry default/s: spec.endpoints[0].ports.web: port name web is not declared in spec.ports"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {hosts: [a.com], ports: [{number: 80, name: http}], resolution: DNS_ROUND_ROBIN, endpoints: [{address: a.com}, {address: b.com}]}
            """, "ServiceEntry default/s: spec.endpoints: resolution DNS_ROUND_ROBIN allows at most one endpoint"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: s}
            spec: {hosts: [a.com], addresses: [10.0.0.0/8], ports: [{number: 80, name: http}], resolution: DNS}
            """, "ServiceEntry default/s: spec.addresses[0]: CIDR addresses are allowed only with resolution NONE or STATIC"));
  }

  @Test
  void aKindBosunDoesNotReadIsReportedAgainstItsFileByName() {
    ConfigParser.Parsed parsed = new ConfigParser().parse("f.yaml", """
        apiVersion: networking.istio.io/v1alpha3
        kind: EnvoyFilter
        metadata: {name: s}
        spec: {}
        """);
    assertThat(parsed.conversions()).isEmpty();
    assertThat(parsed.fileErrors()).extracting(ConfigError::toString).singleElement().asString()
        .startsWith("f.yaml: EnvoyFilter default/s: kind: unsupported kind networking.istio.io/v1alpha3 EnvoyFilter");
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void rejectsWithFieldPath(String yaml, String expected) {
    ConfigParser.Parsed parsed = new ConfigParser().parse("f.yaml", yaml);
    assertThat(parsed.conversions()).hasSize(1);
    Conversion c = parsed.conversions().get(0);
    assertThat(c.valid()).as("should be rejected: %s", c.problems()).isFalse();
    assertThat(c.errors()).extracting(ConfigError::toString).anyMatch(s -> s.startsWith("f.yaml: " + expected));
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of(VS + "  hosts: [reviews]\n  http: [{route: [{destination: {host: reviews, subset: v1}}]}]\n"),
        Arguments.of(VS
            + "  hosts: ['*.example.com']\n  gateways: [gw]\n  http: [{route: [{destination: {host: a}}]}]\n"),
        Arguments.of(VS
            + "  hosts: [a]\n  http: [{match: [{uri: {exact: /x}}, {headers: {h: {prefix: y}}}], route: [{destination: {host: a}, weight: 30}, {destination: {host: b}, weight: 70}]}]\n"),
        Arguments.of("""
            apiVersion: networking.istio.io/v1alpha3
            kind: ServiceEntry
            metadata: {name: s, namespace: x}
            spec: {hosts: [api.example.com], ports: [{number: 443, name: https, protocol: TLS}], resolution: DNS, location: MESH_EXTERNAL}
            """));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void acceptsValidObjects(String yaml) {
    ConfigParser.Parsed parsed = new ConfigParser().parse("f.yaml", yaml);
    assertThat(parsed.fileErrors()).isEmpty();
    assertThat(parsed.conversions()).singleElement().satisfies(c ->
        assertThat(c.errors()).as("%s", c.problems()).isEmpty());
  }
}
