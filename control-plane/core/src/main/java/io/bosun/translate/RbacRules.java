package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bosun.model.AuthorizationPolicy;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One AuthorizationPolicy rule as an Envoy RBAC permission (what the request does: {@code to},
 * destination conditions) and principal (who sends it: {@code from}, source and request
 * conditions). Values match as Istio's do: {@code *} alone means "present", a leading or trailing
 * {@code *} a suffix or prefix match. For TCP ({@code http} false) the fields only HTTP has are
 * left out; the caller decides what a rule that had them means.
 */
final class RbacRules {
  /** Where the JWT filter leaves a validated token's payload (see {@link JwtAuthn}). */
  static final String JWT_FILTER = "envoy.filters.http.jwt_authn";
  static final String JWT_PAYLOAD = "payload";

  private RbacRules() {
  }

  /** Whether a rule names something only an HTTP request has (such a rule cannot match TCP as written). */
  static boolean httpOnly(AuthorizationPolicy.Rule rule) {
    return rule.to().stream().anyMatch(AuthorizationPolicy.Operation::httpOnly)
        || rule.from().stream().anyMatch(s -> !s.requestPrincipals().isEmpty() || !s.notRequestPrincipals().isEmpty())
        || rule.when().stream().anyMatch(c -> httpKey(c.key()));
  }

  private static boolean httpKey(String key) {
    return key.startsWith("request.");
  }

  static Permission permission(AuthorizationPolicy.Rule rule, boolean http) {
    List<Permission> and = new ArrayList<>();
    if (!rule.to().isEmpty()) {
      List<Permission> ops = new ArrayList<>();
      for (AuthorizationPolicy.Operation op : rule.to()) {
        ops.add(operation(op, http));
      }
      and.add(or(ops, RbacRules::orPermissions));
    }
    for (AuthorizationPolicy.Condition c : rule.when()) {
      Function<String, Permission> one = switch (c.key()) {
        case "destination.ip" -> v -> Permission.newBuilder().setDestinationIp(cidr(v)).build();
        case "destination.port" -> v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build();
        case "connection.sni" -> v -> Permission.newBuilder().setRequestedServerName(string(v, false)).build();
        default -> null;
      };
      if (one != null) {
        and.addAll(values(c.values(), c.notValues(), one, RbacRules::orPermissions,
            p -> Permission.newBuilder().setNotRule(p).build()));
      }
    }
    return and.isEmpty() ? Permission.newBuilder().setAny(true).build()
        : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
  }

  private static Permission operation(AuthorizationPolicy.Operation op, boolean http) {
    List<Permission> and = new ArrayList<>();
    Function<Permission, Permission> not = p -> Permission.newBuilder().setNotRule(p).build();
    and.addAll(values(op.ports(), op.notPorts(),
        v -> Permission.newBuilder().setDestinationPort(Integer.parseInt(v)).build(), RbacRules::orPermissions, not));
    if (http) {
      and.addAll(values(op.hosts(), op.notHosts(), v -> Permission.newBuilder().setHeader(host(v)).build(),
          RbacRules::orPermissions, not));
      and.addAll(values(op.methods(), op.notMethods(),
          v -> Permission.newBuilder().setHeader(header(":method", v)).build(), RbacRules::orPermissions, not));
      and.addAll(values(op.paths(), op.notPaths(), RbacRules::path, RbacRules::orPermissions, not));
    }
    return and.isEmpty() ? Permission.newBuilder().setAny(true).build()
        : and.size() == 1 ? and.get(0)
        : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
  }

  static Principal principal(AuthorizationPolicy.Rule rule, boolean http, String trustDomain) {
    List<Principal> and = new ArrayList<>();
    if (!rule.from().isEmpty()) {
      List<Principal> sources = new ArrayList<>();
      for (AuthorizationPolicy.Source s : rule.from()) {
        sources.add(source(s, http));
      }
      and.add(or(sources, RbacRules::orPrincipals));
    }
    Function<Principal, Principal> not = p -> Principal.newBuilder().setNotId(p).build();
    for (AuthorizationPolicy.Condition c : rule.when()) {
      String key = c.key();
      Function<String, Principal> one;
      if (key.startsWith("request.headers[") && key.endsWith("]")) {
        String name = key.substring("request.headers[".length(), key.length() - 1);
        one = v -> Principal.newBuilder().setHeader(header(name, v)).build();
      } else if (key.startsWith("request.auth.claims[")) {
        List<String> claims = claimPath(key.substring("request.auth.claims".length()));
        one = v -> claim(claims, v);
      } else {
        one = switch (key) {
          case "source.ip" -> v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build();
          case "remote.ip" -> v -> Principal.newBuilder().setRemoteIp(cidr(v)).build();
          case "source.namespace" -> RbacRules::namespace;
          case "source.principal" -> RbacRules::peer;
          case "request.auth.principal" -> RbacRules::requestPrincipal;
          case "request.auth.audiences" -> v -> claim(List.of("aud"), v);
          case "request.auth.presenter" -> v -> claim(List.of("azp"), v);
          default -> null;
        };
      }
      if (one != null && (http || !httpKey(key))) {
        and.addAll(values(c.values(), c.notValues(), one, RbacRules::orPrincipals, not));
      }
    }
    return and.isEmpty() ? Principal.newBuilder().setAny(true).build()
        : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build();
  }

  private static Principal source(AuthorizationPolicy.Source s, boolean http) {
    List<Principal> and = new ArrayList<>();
    Function<Principal, Principal> not = p -> Principal.newBuilder().setNotId(p).build();
    and.addAll(values(s.principals(), s.notPrincipals(), RbacRules::peer, RbacRules::orPrincipals, not));
    and.addAll(values(s.namespaces(), s.notNamespaces(), RbacRules::namespace, RbacRules::orPrincipals, not));
    and.addAll(values(s.ipBlocks(), s.notIpBlocks(), v -> Principal.newBuilder().setDirectRemoteIp(cidr(v)).build(),
        RbacRules::orPrincipals, not));
    and.addAll(values(s.remoteIpBlocks(), s.notRemoteIpBlocks(),
        v -> Principal.newBuilder().setRemoteIp(cidr(v)).build(), RbacRules::orPrincipals, not));
    if (http) {
      and.addAll(values(s.requestPrincipals(), s.notRequestPrincipals(), RbacRules::requestPrincipal,
          RbacRules::orPrincipals, not));
    }
    return and.isEmpty() ? Principal.newBuilder().setAny(true).build()
        : and.size() == 1 ? and.get(0)
        : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build();
  }

  /** {@code values} OR-ed, and none of {@code notValues}: zero, one or two matchers to AND. */
  private static <T> List<T> values(List<String> values, List<String> notValues, Function<String, T> one,
                                    Function<List<T>, T> or, Function<T, T> not) {
    List<T> out = new ArrayList<>();
    if (!values.isEmpty()) {
      out.add(or(values.stream().map(one).toList(), or));
    }
    if (!notValues.isEmpty()) {
      out.add(not.apply(or(notValues.stream().map(one).toList(), or)));
    }
    return out;
  }

  private static <T> T or(List<T> items, Function<List<T>, T> or) {
    return items.size() == 1 ? items.get(0) : or.apply(items);
  }

  private static Permission orPermissions(List<Permission> p) {
    return Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(p)).build();
  }

  private static Principal orPrincipals(List<Principal> p) {
    return Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(p)).build();
  }

  /** A peer's SPIFFE id, proved by its client certificate: {@code cluster.local/ns/x/sa/y}. */
  private static Principal peer(String value) {
    StringMatcher m = value.equals("*") ? regex(".+") : string("spiffe://" + value, false);
    if (value.startsWith("*") && !value.equals("*")) {
      m = StringMatcher.newBuilder().setSuffix(value.substring(1)).build();
    }
    return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(m)).build();
  }

  /** A peer of namespace {@code value}, read from its SPIFFE id. */
  private static Principal namespace(String value) {
    // every * is a wildcard in a namespace, as in Istio
    StringBuilder ns = new StringBuilder();
    String[] parts = value.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      ns.append(i == 0 ? "" : "[^/]*").append(quote(parts[i]));
    }
    if (value.equals("*")) {
      ns = new StringBuilder("[^/]+");
    }
    return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
        .setPrincipalName(regex(".*/ns/" + ns + "/.*"))).build();
  }

  /**
   * A validated JWT's {@code <iss>/<sub>}: the issuer and subject claims, split at the last
   * {@code /} (issuers are URLs; subjects rarely hold one).
   */
  private static Principal requestPrincipal(String value) {
    if (value.equals("*")) {
      return and(claimPresent("iss"), claimPresent("sub"));
    }
    if (value.endsWith("*")) {
      String prefix = value.substring(0, value.length() - 1);
      int slash = prefix.lastIndexOf('/');
      if (slash < 0) {
        return meta(List.of("iss"), ValueMatcher.newBuilder()
            .setStringMatch(StringMatcher.newBuilder().setPrefix(prefix)).build());
      }
      String sub = prefix.substring(slash + 1);
      return and(claimExact("iss", prefix.substring(0, slash)), sub.isEmpty() ? claimPresent("sub")
          : meta(List.of("sub"), ValueMatcher.newBuilder()
              .setStringMatch(StringMatcher.newBuilder().setPrefix(sub)).build()));
    }
    if (value.startsWith("*")) {
      int slash = value.lastIndexOf('/');
      if (slash < 0) {
        // no issuer part: the subject ends with the rest
        return meta(List.of("sub"), ValueMatcher.newBuilder()
            .setStringMatch(StringMatcher.newBuilder().setSuffix(value.substring(1))).build());
      }
      // "*/admin": any issuer; "*example.com/admin": an issuer ending so; the subject exactly
      String issuer = value.substring(1, slash);
      Principal sub = claimExact("sub", value.substring(slash + 1));
      return issuer.isEmpty() ? and(claimPresent("iss"), sub) : and(meta(List.of("iss"), ValueMatcher.newBuilder()
          .setStringMatch(StringMatcher.newBuilder().setSuffix(issuer)).build()), sub);
    }
    int slash = value.lastIndexOf('/');
    return slash < 0 ? claimExact("iss", value)
        : and(claimExact("iss", value.substring(0, slash)), claimExact("sub", value.substring(slash + 1)));
  }

  private static Principal and(Principal a, Principal b) {
    return Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addIds(a).addIds(b)).build();
  }

  private static Principal claimExact(String claim, String value) {
    return meta(List.of(claim), ValueMatcher.newBuilder()
        .setStringMatch(StringMatcher.newBuilder().setExact(value)).build());
  }

  private static Principal claimPresent(String claim) {
    return meta(List.of(claim), ValueMatcher.newBuilder()
        .setPresentMatch(true).build());
  }

  /** A claim that is the value, or a list holding it (audiences, groups). */
  private static Principal claim(List<String> path, String value) {
    ValueMatcher one = ValueMatcher.newBuilder().setStringMatch(string(value, false)).build();
    return orPrincipals(List.of(meta(path, one),
        meta(path, ValueMatcher.newBuilder()
            .setListMatch(ListMatcher.newBuilder().setOneOf(one)).build())));
  }

  private static Principal meta(List<String> claims, ValueMatcher value) {
    return Principal.newBuilder().setSourcedMetadata(SourcedMetadata.newBuilder()
        .setMetadataMatcher(payload(claims, value))).build();
  }

  private static MetadataMatcher payload(List<String> claims, ValueMatcher value) {
    MetadataMatcher.Builder m = MetadataMatcher.newBuilder().setFilter(JWT_FILTER)
        .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(JWT_PAYLOAD));
    claims.forEach(c -> m.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(c)));
    return m.setValue(value).build();
  }

  /** {@code [a][b]} as the claim path a, b. */
  static List<String> claimPath(String brackets) {
    List<String> out = new ArrayList<>();
    for (String part : brackets.split("]")) {
      if (part.startsWith("[")) {
        out.add(part.substring(1));
      }
    }
    return out;
  }

  private static HeaderMatcher header(String name, String value) {
    HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(name);
    return value.equals("*") ? h.setPresentMatch(true).build() : h.setStringMatch(string(value, false)).build();
  }

  /** The Host header, case-insensitive, with or without a port. */
  private static HeaderMatcher host(String value) {
    HeaderMatcher.Builder h = HeaderMatcher.newBuilder().setName(":authority");
    if (value.equals("*")) {
      return h.setPresentMatch(true).build();
    }
    String host = value.startsWith("*") ? ".*" + quote(value.substring(1))
        : value.endsWith("*") ? quote(value.substring(0, value.length() - 1)) + ".*" : quote(value);
    return h.setStringMatch(regex("(?i)" + host + "(:[0-9]+)?")).build();
  }

  /** A path without its query; {@code {*}} (one segment) and {@code {**}} (any) as Envoy's URI templates. */
  private static Permission path(String value) {
    if (value.contains("{*}") || value.contains("{**}")) {
      String template = value.replace("{**}", "**").replace("{*}", "*");
      return Permission.newBuilder().setUriTemplate(TypedExtensionConfig.newBuilder()
          .setName("uri-template-match")
          .setTypedConfig(Any.pack(UriTemplateMatchConfig.newBuilder().setPathTemplate(template).build())))
          .build();
    }
    return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(string(value, false))).build();
  }

  /** Istio's value matching: {@code *} present, {@code abc*} prefix, {@code *abc} suffix, else exact. */
  static StringMatcher string(String value, boolean ignoreCase) {
    StringMatcher.Builder m = StringMatcher.newBuilder().setIgnoreCase(ignoreCase);
    if (value.equals("*")) {
      return regex(".+");
    } else if (value.endsWith("*")) {
      m.setPrefix(value.substring(0, value.length() - 1));
    } else if (value.startsWith("*")) {
      m.setSuffix(value.substring(1));
    } else {
      m.setExact(value);
    }
    return m.build();
  }

  private static StringMatcher regex(String re) {
    return StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(re)).build();
  }

  /** Escapes every character RE2 could read as syntax. */
  private static String quote(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (!Character.isLetterOrDigit(c) && c != '-' && c != '_' && c != '/') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }

  /** {@code 10.0.0.0/8}, or one address ({@code /32}, {@code /128}). */
  static CidrRange cidr(String value) {
    int slash = value.indexOf('/');
    String address = slash < 0 ? value : value.substring(0, slash);
    int len = slash < 0 ? (address.contains(":") ? 128 : 32) : Integer.parseInt(value.substring(slash + 1));
    return CidrRange.newBuilder().setAddressPrefix(address).setPrefixLen(UInt32Value.of(len)).build();
  }
}
