package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.model.Ignored;
import io.bosun.model.RequestAuthentication;
import io.bosun.model.ResourceRef;
import io.fabric8.istio.api.api.security.v1beta1.ClaimToHeader;
import io.fabric8.istio.api.api.security.v1beta1.JWTHeader;
import io.fabric8.istio.api.api.security.v1beta1.JWTRule;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a RequestAuthentication spec as Istio's {@code ValidateRequestAuthentication} and
 * {@code validateJwtRule} do (with the CRD's own rules: one of jwks and jwksUri, header names), and
 * turns it into the model.
 */
final class RequestAuthenticationConverter {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The header names Istio allows for outputClaimToHeaders ({@code validStrictHeaderNameRegex}). */
  private static final Pattern STRICT_HEADER = Pattern.compile("[-_A-Za-z0-9]+");
  /** Istio's proto name for jwksUri, which Istio accepts too. */
  private static final String JWKS_URI_ALIAS = "jwks_uri";
  private static final Map<String, Set<String>> KEY_FIELDS = Map.of("RSA", Set.of("n", "e"),
      "EC", Set.of("crv", "x", "y"), "OKP", Set.of("crv", "x"), "oct", Set.of("k"));

  private RequestAuthenticationConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
                            io.fabric8.istio.api.api.security.v1beta1.RequestAuthentication spec) {
    Problems problems = new Problems(source, ref);
    if (spec != null) {
      aliases(list(spec.getJwtRules()), problems);
    }
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    Map<String, String> selector = SecurityChecks.selector(spec.getSelector(), problems);
    boolean targets = SecurityChecks.targets(spec.getSelector() != null, spec.getTargetRef(), spec.getTargetRefs(),
        problems);
    List<RequestAuthentication.JwtRule> rules = new ArrayList<>();
    for (int i = 0; i < list(spec.getJwtRules()).size(); i++) {
      JWTRule r = spec.getJwtRules().get(i);
      if (r == null) {
        problems.error("spec.jwtRules[" + i + "]", "a JWT rule is required here");
      } else {
        rules.add(rule(r, "spec.jwtRules[" + i + "]", problems));
      }
    }
    if (targets) {
      return new Conversion(source, ref, problems.hasErrors() ? null : new Ignored(ref), problems.all());
    }
    return Conversion.of(ref, new RequestAuthentication(ref, selector, rules), problems);
  }

  /** {@code jwks_uri} as {@code jwksUri}; at most one of the two and {@code jwks} (the CRD's rule). */
  private static void aliases(List<JWTRule> rules, Problems problems) {
    for (int i = 0; i < rules.size(); i++) {
      JWTRule r = rules.get(i);
      if (r == null || r.getAdditionalProperties() == null
          || !r.getAdditionalProperties().containsKey(JWKS_URI_ALIAS)) {
        continue;
      }
      Object alias = r.getAdditionalProperties().remove(JWKS_URI_ALIAS);
      if (r.getJwksUri() != null) {
        problems.error("spec.jwtRules[" + i + "]", "jwksUri and jwks_uri cannot both be set");
      } else if (alias != null && !(alias instanceof String)) {
        problems.error("spec.jwtRules[" + i + "]." + JWKS_URI_ALIAS, "must be a string");
      } else {
        r.setJwksUri((String) alias);
      }
    }
  }

  private static RequestAuthentication.JwtRule rule(JWTRule r, String field, Problems problems) {
    List<String> audiences = SecurityChecks.values(r.getAudiences(), field + ".audiences", problems);
    String issuer = r.getIssuer() == null ? "" : r.getIssuer();
    String jwksUri = r.getJwksUri() == null ? "" : r.getJwksUri();
    String jwks = r.getJwks() == null ? "" : r.getJwks();
    if (issuer.isEmpty() && jwksUri.isEmpty()) {
      problems.error(field + ".issuer", "issuer or jwksUri is required");
    }
    if (r.getJwksUri() != null) {
      jwksUri(jwksUri, field + ".jwksUri", problems);
    }
    if (r.getJwks() != null && r.getJwksUri() != null) {
      problems.error(field, "only one of jwks and jwksUri can be set");
    }
    if (!jwks.isEmpty()) {
      jwks(jwks, field + ".jwks", problems);
    }
    List<RequestAuthentication.FromHeader> headers = new ArrayList<>();
    for (int i = 0; i < list(r.getFromHeaders()).size(); i++) {
      JWTHeader h = r.getFromHeaders().get(i);
      String hf = field + ".fromHeaders[" + i + "]";
      if (h == null || h.getName() == null || h.getName().isEmpty()) {
        problems.error(hf + ".name", "the header name is required");
      } else if (!SecurityChecks.HEADER_NAME.matcher(h.getName()).matches()) {
        problems.error(hf + ".name", "\"" + Problems.truncate(h.getName()) + "\" is not a valid header name");
      } else {
        headers.add(new RequestAuthentication.FromHeader(h.getName(), h.getPrefix()));
      }
    }
    List<String> params = SecurityChecks.values(r.getFromParams(), field + ".fromParams", problems);
    List<String> cookies = SecurityChecks.values(r.getFromCookies(), field + ".fromCookies", problems);
    Map<String, String> claimHeaders = claimHeaders(list(r.getOutputClaimToHeaders()),
        field + ".outputClaimToHeaders", problems);
    String payloadHeader = r.getOutputPayloadToHeader();
    if (payloadHeader != null && !payloadHeader.isEmpty()
        && !SecurityChecks.HEADER_NAME.matcher(payloadHeader).matches()) {
      problems.error(field + ".outputPayloadToHeader", "\"" + Problems.truncate(payloadHeader)
          + "\" is not a valid header name");
    }
    Checks.unsupported(r.getSpaceDelimitedClaims(), field + ".spaceDelimitedClaims", problems);
    Duration timeout = Durations.check(r.getTimeout(), field + ".timeout", problems);
    if (timeout != null && timeout.toNanos() % 1_000_000 != 0) {
      problems.error(field + ".timeout", "only durations to millisecond precision are supported");
    }
    return new RequestAuthentication.JwtRule(issuer, audiences, jwksUri, jwks, headers, params, cookies,
        payloadHeader, Boolean.TRUE.equals(r.getForwardOriginalToken()), claimHeaders, timeout);
  }

  /** An http or https URL with a host (Istio's {@code ParseJwksURI}; the CRD's scheme rule and 2048 limit). */
  private static void jwksUri(String uri, String field, Problems problems) {
    if (uri.isEmpty()) {
      problems.error(field, "must not be empty when it is set");
      return;
    }
    if (uri.length() > 2048) {
      problems.error(field, "must be at most 2048 characters");
      return;
    }
    try {
      URI u = new URI(uri);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        problems.error(field, "must be an http:// or https:// URL, not \"" + Problems.truncate(uri) + "\"");
      } else if (u.getHost() == null || u.getHost().isEmpty()) {
        problems.error(field, "\"" + Problems.truncate(uri) + "\" has no host");
      } else if (u.getPort() > 65535) {
        problems.error(field, "port " + u.getPort() + " is out of range 1-65535");
      }
    } catch (URISyntaxException e) {
      problems.error(field, "not a valid URL: " + Problems.truncate(e.getMessage()));
    }
  }

  /** A JSON Web Key Set, or one key (as Istio's {@code jwk.Parse}); private keys are a warning, as in Istio. */
  private static void jwks(String text, String field, Problems problems) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      problems.error(field, "not valid JSON: " + Problems.truncate(e.getOriginalMessage()));
      return;
    }
    if (node == null || !node.isObject()) {
      problems.error(field, "must be a JSON Web Key Set: an object with \"keys\"");
      return;
    }
    List<JsonNode> keys = new ArrayList<>();
    if (node.has("keys")) {
      if (!node.get("keys").isArray()) {
        problems.error(field, "\"keys\" must be an array of JSON Web Keys");
        return;
      }
      node.get("keys").forEach(keys::add);
    } else {
      keys.add(node);
    }
    for (int i = 0; i < keys.size(); i++) {
      JsonNode key = keys.get(i);
      String kty = key.path("kty").asText("");
      Set<String> required = KEY_FIELDS.get(kty);
      if (!key.isObject() || required == null) {
        problems.error(field, "key " + i + ": kty must be RSA, EC, OKP or oct");
        continue;
      }
      List<String> missing = required.stream().filter(f -> !key.path(f).isTextual()).sorted().toList();
      if (!missing.isEmpty()) {
        problems.error(field, "key " + i + " (" + kty + "): missing " + String.join(", ", missing));
      } else if (kty.equals("oct") || key.has("d")) {
        problems.warning(field, "key " + i + " is private key material; only public keys are needed to verify "
            + "tokens");
      }
    }
  }

  /** {@code header: claim}, headers as Istio's {@code ValidateStrictHTTPHeaderName}. */
  private static Map<String, String> claimHeaders(List<ClaimToHeader> list, String field, Problems problems) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      ClaimToHeader c = list.get(i);
      String f = field + "[" + i + "]";
      if (c == null || c.getClaim() == null || c.getClaim().isEmpty()) {
        problems.error(f + ".claim", "the claim is required");
      } else if (c.getHeader() == null || c.getHeader().isEmpty()) {
        problems.error(f + ".header", "the header is required");
      } else if (!STRICT_HEADER.matcher(c.getHeader()).matches()) {
        problems.error(f + ".header", "\"" + Problems.truncate(c.getHeader()) + "\" is not a valid header name "
            + "(letters, digits, '-' and '_')");
      } else if (out.put(c.getHeader(), c.getClaim()) != null) {
        problems.warning(f + ".header", "header " + c.getHeader() + " is set from more than one claim: the last, "
            + Problems.truncate(c.getClaim()) + ", is used");
      }
    }
    return out;
  }
}
