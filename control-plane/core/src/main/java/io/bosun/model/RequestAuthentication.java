package io.bosun.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A RequestAuthentication: the JWTs the workloads it selects accept. A request with a token that
 * no rule validates is refused (401); one without a token passes (AuthorizationPolicy's
 * {@code requestPrincipals} decides whether it needs one).
 *
 * @param selector null for its namespace, or in the root namespace the mesh
 */
public record RequestAuthentication(ResourceRef ref, Map<String, String> selector, List<JwtRule> rules)
    implements MeshResource {
  public RequestAuthentication {
    selector = selector == null ? null : Map.copyOf(selector);
    rules = rules == null ? List.of() : List.copyOf(rules);
  }

  public boolean selects(Map<String, String> labels) {
    return selector == null || labels.entrySet().containsAll(selector.entrySet());
  }

  /**
   * One issuer. Keys come from {@code jwks} (inline JSON) or are fetched by the proxy from
   * {@code jwksUri}. Tokens are looked for in {@code fromHeaders} / {@code fromParams} /
   * {@code fromCookies}, by default the {@code Authorization: Bearer} header and the
   * {@code access_token} parameter.
   *
   * @param outputClaimToHeaders header name to the claim copied into it
   * @param timeout              how long the proxy waits for {@code jwksUri}; null for Istio's default
   */
  public record JwtRule(String issuer, List<String> audiences, String jwksUri, String jwks,
                        List<FromHeader> fromHeaders, List<String> fromParams, List<String> fromCookies,
                        String outputPayloadToHeader, boolean forwardOriginalToken,
                        Map<String, String> outputClaimToHeaders, Duration timeout) {
    public JwtRule {
      issuer = issuer == null ? "" : issuer;
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
      jwksUri = jwksUri == null ? "" : jwksUri;
      jwks = jwks == null ? "" : jwks;
      fromHeaders = fromHeaders == null ? List.of() : List.copyOf(fromHeaders);
      fromParams = fromParams == null ? List.of() : List.copyOf(fromParams);
      fromCookies = fromCookies == null ? List.of() : List.copyOf(fromCookies);
      outputPayloadToHeader = outputPayloadToHeader == null ? "" : outputPayloadToHeader;
      outputClaimToHeaders = outputClaimToHeaders == null ? Map.of() : Map.copyOf(outputClaimToHeaders);
    }
  }

  /** A header that carries the token, after {@code prefix} (e.g. {@code "Bearer "}). */
  public record FromHeader(String name, String prefix) {
    public FromHeader {
      prefix = prefix == null ? "" : prefix;
    }
  }
}
