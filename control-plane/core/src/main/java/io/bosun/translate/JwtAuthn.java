package io.bosun.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import io.bosun.model.Hosts;
import io.bosun.model.MeshConfig;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.RequestAuthentication;
import io.bosun.model.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RequestAuthentication as Envoy's JWT filter: one provider per rule ({@code origins-<i>}), and
 * one requirement: any provider's token, or none at all, so a request without a token passes
 * and one with a token no provider accepts is refused (401). A validated token's payload is left
 * in the filter's metadata, where {@link RbacRules} reads request principals and claims.
 * Keys from {@code jwksUri} are fetched by Envoy through the service's cluster or, for a host
 * outside the registry, a DNS cluster of the URI's own.
 */
final class JwtAuthn {
  static final String FILTER = RbacRules.JWT_FILTER;
  /** Istio's default for how long a proxy waits for a JWKS. */
  private static final Duration JWKS_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration JWKS_CACHE = Duration.ofMinutes(20);
  /**
   * Used instead of an inline JWKS with no key Envoy could use (Envoy would refuse the whole
   * listener): the public half of a key whose private half was thrown away, so every token is
   * refused (401) and requests without one still pass, as with a JWKS that cannot be fetched.
   */
  static final String REJECT_ALL_JWKS = "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"bosun-reject-all\","
      + "\"e\":\"AQAB\",\"n\":\"zXlrHWF3klssxqCxYIwvQO00YXDy1hgXY6tVkSDN9xKG2SN7TAQQ6JAW3OECnQte7oYHOIvP_g36ueXiVLpzfv7Z"
      + "c8hihpOx45mZiY-e91y7ZMrfcSsbwvfbn78rbE_JtaiFARi1w2SCNkVnTZdoCaTuw9tXd9luE92CuSggRin18gjooEgQ0UDQWw-J03TccZC2Dylj"
      + "FToD1S20ZD9GwQKq59z1dqyS9c57At_gy-2pJdHACBMcC8--Xav_mNEGFpfvAkXSLcA48lj90WeitmzlTiisJXh7EdrPeKkNoZdLleFM7Duk02-uxW3"
      + "WcvswGOk54JC5pM1JBhM6hM71Lw\"}]}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private JwtAuthn() {
  }

  static Optional<HttpFilter> filter(List<RequestAuthentication> policies, MeshSnapshot snapshot) {
    JwtAuthentication.Builder config = JwtAuthentication.newBuilder();
    JwtRequirementOrList.Builder any = JwtRequirementOrList.newBuilder();
    int i = 0;
    for (RequestAuthentication ra : policies) {
      for (RequestAuthentication.JwtRule rule : ra.rules()) {
        String name = "origins-" + i++;
        config.putProviders(name, provider(rule, snapshot));
        any.addRequirements(JwtRequirement.newBuilder().setProviderName(name));
      }
    }
    if (i == 0) {
      return Optional.empty();
    }
    any.addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()));
    config.addRules(RequirementRule.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRequires(JwtRequirement.newBuilder().setRequiresAny(any)));
    return Optional.of(HttpFilter.newBuilder().setName(FILTER).setTypedConfig(Any.pack(config.build())).build());
  }

  private static JwtProvider provider(RequestAuthentication.JwtRule rule, MeshSnapshot snapshot) {
    JwtProvider.Builder p = JwtProvider.newBuilder()
        .setIssuer(rule.issuer())
        .addAllAudiences(rule.audiences())
        .setForward(rule.forwardOriginalToken())
        .setPayloadInMetadata(RbacRules.JWT_PAYLOAD);
    if (!rule.jwks().isEmpty()) {
      String jwks = keySet(rule.jwks());
      p.setLocalJwks(DataSource.newBuilder().setInlineString(usable(jwks) ? jwks : REJECT_ALL_JWKS));
    } else if (!rule.jwksUri().isEmpty()) {
      Jwks jwks = Jwks.of(rule.jwksUri(), snapshot);
      p.setRemoteJwks(RemoteJwks.newBuilder()
          .setHttpUri(HttpUri.newBuilder().setUri(rule.jwksUri()).setCluster(jwks.cluster())
              .setTimeout(Protos.duration(rule.timeout() != null ? rule.timeout() : JWKS_TIMEOUT)))
          .setCacheDuration(Protos.duration(JWKS_CACHE)));
    }
    for (RequestAuthentication.FromHeader h : rule.fromHeaders()) {
      p.addFromHeaders(JwtHeader.newBuilder().setName(h.name()).setValuePrefix(h.prefix()));
    }
    p.addAllFromParams(rule.fromParams()).addAllFromCookies(rule.fromCookies());
    if (!rule.outputPayloadToHeader().isEmpty()) {
      p.setForwardPayloadHeader(rule.outputPayloadToHeader());
    }
    rule.outputClaimToHeaders().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
        p.addClaimToHeaders(JwtClaimToHeader.newBuilder().setHeaderName(e.getKey()).setClaimName(e.getValue())));
    return p.build();
  }

  /** A JWKS as written, or a single JWK (which Istio accepts too) as a set of one. */
  static String keySet(String jwks) {
    try {
      JsonNode doc = JSON.readTree(jwks);
      return doc != null && doc.isObject() && !doc.has("keys") && doc.has("kty") ? "{\"keys\":[" + jwks + "]}" : jwks;
    } catch (JsonProcessingException e) {
      return jwks;
    }
  }

  /** Whether a JWKS holds a key Envoy can load: RSA (n, e), EC (crv, x, y), oct (k) or OKP (crv, x). */
  static boolean usable(String jwks) {
    try {
      JsonNode keys = JSON.readTree(jwks).path("keys");
      for (JsonNode k : keys) {
        boolean ok = switch (k.path("kty").asText()) {
          case "RSA" -> k.hasNonNull("n") && k.hasNonNull("e");
          case "EC" -> k.hasNonNull("crv") && k.hasNonNull("x") && k.hasNonNull("y");
          case "oct" -> k.hasNonNull("k");
          case "OKP" -> k.hasNonNull("crv") && k.hasNonNull("x");
          default -> false;
        };
        if (ok) {
          return true;
        }
      }
      return false;
    } catch (JsonProcessingException e) {
      return false;
    }
  }

  /**
   * The clusters the proxy needs to fetch keys from that its outbound clusters do not already
   * provide: a host outside the registry gets one of its own, named as an outbound cluster would be.
   */
  static List<Cluster> clusters(List<RequestAuthentication> policies, MeshSnapshot snapshot) {
    List<Cluster> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (RequestAuthentication ra : policies) {
      for (RequestAuthentication.JwtRule rule : ra.rules()) {
        if (rule.jwks().isEmpty() && !rule.jwksUri().isEmpty()) {
          Jwks jwks = Jwks.of(rule.jwksUri(), snapshot);
          if (!jwks.inRegistry() && !names.contains(jwks.cluster())) {
            names.add(jwks.cluster());
            out.add(jwks.build(snapshot.mesh()));
          }
        }
      }
    }
    return out;
  }

  /** Where a {@code jwksUri} is fetched from. */
  private record Jwks(String host, int port, boolean https, boolean inRegistry) {
    static Jwks of(String uri, MeshSnapshot snapshot) {
      URI u = URI.create(uri);
      boolean https = "https".equalsIgnoreCase(u.getScheme());
      int port = u.getPort() > 0 ? u.getPort() : https ? 443 : 80;
      String host = u.getHost() == null ? "" : u.getHost();
      Service svc = snapshot.registry().service(host);
      boolean known = svc != null && svc.ports().stream().anyMatch(p -> p.number() == port);
      return new Jwks(host, port, https, known);
    }

    String cluster() {
      return Names.outboundCluster(port, "", host);
    }

    Cluster build(MeshConfig mesh) {
      Cluster.Builder c = Cluster.newBuilder()
          .setName(cluster())
          .setType(Hosts.isIpv4(host) ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
          .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
          .setConnectTimeout(Protos.duration(mesh.connectTimeout()))
          .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(cluster())
              .addEndpoints(LocalityLbEndpoints.newBuilder()
                  .addLbEndpoints(EndpointBuilder.lbEndpoint(host, port, 0))));
      if (https) {
        UpstreamTlsContext.Builder tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
            .newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setFilename(UpstreamTls.SYSTEM_CAS))));
        if (!Hosts.isIpv4(host)) {
          tls.setSni(host);
        }
        c.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(Any.pack(tls.build())));
      }
      return c.build();
    }
  }
}
