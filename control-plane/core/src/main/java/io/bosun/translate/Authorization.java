package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.AuthorizationPolicy.Action;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Service;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * AuthorizationPolicy as Envoy's RBAC filters, in Istio's order: AUDIT (log only), CUSTOM (an
 * external authorizer, asked only for requests its policies' rules match), DENY, then ALLOW. No
 * ALLOW policy means no ALLOW filter (everything is allowed); ALLOW policies that match nothing
 * (no rules) leave an ALLOW filter without policies, which denies everything. For TCP, a rule that
 * needs HTTP cannot be checked: an ALLOW rule with such fields is dropped (allows less), a DENY
 * rule keeps only its other fields (denies more), as Istio does.
 */
final class Authorization {
  static final String HTTP_RBAC = "envoy.filters.http.rbac";
  static final String NETWORK_RBAC = "envoy.filters.network.rbac";
  /** Istio's marker for requests an external authorizer checks: an RBAC shadow policy id with this prefix. */
  private static final String EXT_AUTHZ_PREFIX = "istio-ext-authz";
  private static final String EXT_AUTHZ_STATS = "istio_ext_authz_";
  /** Istio's default timeout of an external authorizer's check. */
  private static final java.time.Duration EXT_AUTHZ_TIMEOUT = java.time.Duration.ofMinutes(10);

  private Authorization() {
  }

  static List<HttpFilter> http(List<AuthorizationPolicy> policies, MeshSnapshot snapshot) {
    List<HttpFilter> out = new ArrayList<>();
    String td = snapshot.mesh().trustDomain();
    rules(policies, Action.AUDIT, true, td).ifPresent(r -> out.add(httpRbac(RBAC.newBuilder()
        .setAction(RBAC.Action.LOG).putAllPolicies(r).build())));
    custom(policies, snapshot, out);
    rules(policies, Action.DENY, true, td).ifPresent(r -> out.add(httpRbac(RBAC.newBuilder()
        .setAction(RBAC.Action.DENY).putAllPolicies(r).build())));
    rules(policies, Action.ALLOW, true, td).ifPresent(r -> out.add(httpRbac(RBAC.newBuilder()
        .setAction(RBAC.Action.ALLOW).putAllPolicies(r).build())));
    return out;
  }

  static List<Filter> network(List<AuthorizationPolicy> policies, MeshConfig mesh, String statPrefix) {
    List<Filter> out = new ArrayList<>();
    String td = mesh.trustDomain();
    // CUSTOM needs an HTTP request to ask about: for TCP its rules deny, as a DENY's would
    List<AuthorizationPolicy> deny = new ArrayList<>();
    policies.stream().filter(p -> p.action() == Action.DENY || p.action() == Action.CUSTOM).forEach(p ->
        deny.add(new AuthorizationPolicy(p.ref(), p.selector(), Action.DENY, "", p.rules())));
    rules(deny, Action.DENY, false, td).ifPresent(r -> out.add(networkRbac(statPrefix, RBAC.newBuilder()
        .setAction(RBAC.Action.DENY).putAllPolicies(r).build())));
    rules(policies, Action.ALLOW, false, td).ifPresent(r -> out.add(networkRbac(statPrefix, RBAC.newBuilder()
        .setAction(RBAC.Action.ALLOW).putAllPolicies(r).build())));
    return out;
  }

  /** The Envoy policies of every rule of the policies with {@code action}; empty when there is no such policy. */
  private static Optional<Map<String, Policy>> rules(List<AuthorizationPolicy> policies, Action action,
                                                               boolean http, String trustDomain) {
    Map<String, Policy> out = new TreeMap<>();
    boolean any = false;
    for (AuthorizationPolicy p : policies) {
      if (p.action() != action) {
        continue;
      }
      any = true;
      for (int i = 0; i < p.rules().size(); i++) {
        AuthorizationPolicy.Rule rule = p.rules().get(i);
        if (!http && action == Action.ALLOW && RbacRules.httpOnly(rule)) {
          continue; // cannot be told for TCP: an ALLOW that cannot match
        }
        out.put(name(p, i), Policy.newBuilder()
            .addPermissions(RbacRules.permission(rule, http))
            .addPrincipals(RbacRules.principal(rule, http, trustDomain)).build());
      }
    }
    return any ? Optional.of(out) : Optional.empty();
  }

  /** Istio's policy name: {@code ns[<ns>]-policy[<name>]-rule[<i>]}. */
  static String name(AuthorizationPolicy p, int rule) {
    return "ns[" + p.ref().namespace() + "]-policy[" + p.ref().name() + "]-rule[" + rule + "]";
  }

  /**
   * CUSTOM: per provider, an RBAC filter in shadow mode that marks the requests its policies'
   * rules match, and the external authorizer, enabled by that mark. A provider the mesh config does
   * not define (or whose service is unknown) cannot be asked: its rules deny, failing closed.
   */
  private static void custom(List<AuthorizationPolicy> policies, MeshSnapshot snapshot, List<HttpFilter> out) {
    Map<String, List<AuthorizationPolicy>> byProvider = new TreeMap<>();
    policies.stream().filter(p -> p.action() == Action.CUSTOM)
        .forEach(p -> byProvider.computeIfAbsent(p.provider(), k -> new ArrayList<>()).add(p));
    String td = snapshot.mesh().trustDomain();
    byProvider.forEach((provider, ps) -> {
      MeshConfig.ExtAuthz ext = snapshot.mesh().extensionProvider(provider);
      List<AuthorizationPolicy> asCustom = ps.stream().map(p -> new AuthorizationPolicy(p.ref(), p.selector(),
          Action.ALLOW, "", p.rules())).toList();
      Map<String, Policy> shadow = new TreeMap<>();
      rules(asCustom, Action.ALLOW, true, td).orElseThrow().forEach((n, pol) ->
          shadow.put(EXT_AUTHZ_PREFIX + "-" + n, pol));
      String cluster = ext == null ? null : cluster(ext, snapshot);
      if (cluster == null) {
        out.add(httpRbac(RBAC.newBuilder().setAction(RBAC.Action.DENY).putAllPolicies(shadow).build()));
        return;
      }
      out.add(HttpFilter.newBuilder().setName(HTTP_RBAC).setTypedConfig(Any.pack(
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
              .setShadowRules(RBAC.newBuilder().setAction(RBAC.Action.ALLOW).putAllPolicies(shadow))
              .setShadowRulesStatPrefix(EXT_AUTHZ_STATS).build())).build());
      out.add(HttpFilter.newBuilder().setName("envoy.filters.http.ext_authz")
          .setTypedConfig(Any.pack(extAuthz(ext, cluster))).build());
    });
  }

  private static ExtAuthz extAuthz(MeshConfig.ExtAuthz ext, String cluster) {
    String host = host(ext.service());
    ExtAuthz.Builder b = ExtAuthz.newBuilder()
        .setTransportApiVersion(ApiVersion.V3)
        .setFailureModeAllow(ext.failOpen())
        .setStatusOnError(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
        .setFilterEnabledMetadata(MetadataMatcher.newBuilder().setFilter(HTTP_RBAC)
            .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(EXT_AUTHZ_STATS + "shadow_effective_policy_id"))
            .setValue(ValueMatcher.newBuilder().setStringMatch(StringMatcher.newBuilder()
                .setPrefix(EXT_AUTHZ_PREFIX))));
    Duration timeout = Protos.duration(ext.timeout() != null ? ext.timeout() : EXT_AUTHZ_TIMEOUT);
    if (!ext.includeRequestHeadersInCheck().isEmpty()) {
      b.setAllowedHeaders(exact(ext.includeRequestHeadersInCheck()));
    }
    if (ext.grpc()) {
      return b.setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
          .setClusterName(cluster).setAuthority(host)).setTimeout(timeout)).build();
    }
    HttpService.Builder http = HttpService.newBuilder()
        .setServerUri(HttpUri.newBuilder().setUri("http://" + host + ":" + ext.port() + ext.pathPrefix())
            .setCluster(cluster).setTimeout(timeout))
        .setPathPrefix(ext.pathPrefix());
    AuthorizationResponse.Builder response = AuthorizationResponse.newBuilder();
    if (!ext.headersToUpstreamOnAllow().isEmpty()) {
      response.setAllowedUpstreamHeaders(exact(ext.headersToUpstreamOnAllow()));
    }
    if (!ext.headersToDownstreamOnDeny().isEmpty()) {
      response.setAllowedClientHeaders(exact(ext.headersToDownstreamOnDeny()));
    }
    return b.setHttpService(http.setAuthorizationResponse(response)).build();
  }

  /** The outbound cluster of the provider's service and port, or null when the registry has no such port. */
  private static String cluster(MeshConfig.ExtAuthz ext, MeshSnapshot snapshot) {
    Service svc = snapshot.registry().service(host(ext.service()));
    return svc != null && svc.ports().stream().anyMatch(p -> p.number() == ext.port())
        ? Names.outboundCluster(ext.port(), "", svc.hostname()) : null;
  }

  /** {@code [namespace/]hostname} without the namespace. */
  private static String host(String service) {
    return service.substring(service.indexOf('/') + 1);
  }

  private static ListStringMatcher exact(List<String> values) {
    ListStringMatcher.Builder m = ListStringMatcher.newBuilder();
    values.forEach(v -> m.addPatterns(RbacRules.string(v, true)));
    return m.build();
  }

  private static HttpFilter httpRbac(RBAC rules) {
    return HttpFilter.newBuilder().setName(HTTP_RBAC).setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build())).build();
  }

  private static Filter networkRbac(String statPrefix, RBAC rules) {
    return Filter.newBuilder().setName(NETWORK_RBAC).setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder().setRules(rules)
            .setStatPrefix(statPrefix).build())).build();
  }
}
