package io.bosun.config;

import io.fabric8.istio.api.api.networking.v1alpha3.Headers;
import io.fabric8.istio.api.api.networking.v1alpha3.HeadersHeaderOperations;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Header names and values of a VirtualService as Istio checks them ({@code virtualservice.go}:
 * {@code ValidateHTTPHeaderWithAuthorityOperationName}, {@code ValidateHTTPHeaderOperationName},
 * {@code ValidateHTTPHeaderValue}, {@code validateAuthorityRewrite}; {@code validation.go}:
 * {@code ValidateHTTPHeaderNameOrJwtClaimRoute}). Setting {@code :authority} or {@code host} on
 * the request is a host rewrite (see {@link RouteActionsConverter#authority}).
 */
final class HeaderRules {
  /** RFC 7230 token characters. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~A-Za-z0-9]+");
  private static final List<String> PSEUDO = List.of(":method", ":scheme", ":authority", ":path", ":status");
  /** Control characters but the tab (Istio's {@code httpHeaderValueRegexp}). */
  private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0A-\\x1F\\x7F]");
  /** The special header name of JWT claim routing. */
  static final String CLAIMS = "@request.auth.claims";

  private HeaderRules() {
  }

  /** {@code :authority} or {@code host}, in any case. */
  static boolean authority(String name) {
    return name.equalsIgnoreCase(":authority") || name.equalsIgnoreCase("host");
  }

  /** {@code @request.auth.claims.a.b} or {@code @request.auth.claims[a][b]} (Istio's {@code jwt.ToRoutingClaim}). */
  static boolean claim(String name) {
    if (!name.toLowerCase(Locale.ROOT).startsWith(CLAIMS)) {
      return false;
    }
    String rest = name.substring(CLAIMS.length());
    return rest.startsWith(".") && rest.length() > 1
        || rest.startsWith("[") && rest.endsWith("]") && rest.length() > 2;
  }

  /** An RFC 7230 token, as header names are. */
  static boolean token(String name) {
    return TOKEN.matcher(name).matches();
  }

  /** A header to match: a token, a pseudo-header or a JWT claim. */
  static boolean matchable(String name) {
    return TOKEN.matcher(name).matches() || PSEUDO.contains(name) || claim(name);
  }

  /** Route-level or destination-level {@code headers}; {@code route} also checks authority rewrites. */
  static void check(Headers h, String field, String rewriteAuthority, Problems p) {
    if (h == null) {
      return;
    }
    HeadersHeaderOperations request = h.getRequest();
    HeadersHeaderOperations response = h.getResponse();
    if (request != null) {
      set(request.getSet(), field + ".request.set", true, p);
      set(request.getAdd(), field + ".request.add", true, p);
      remove(request.getRemove(), field + ".request.remove", p);
      if (rewriteAuthority != null) {
        authorityOnce(request, field + ".request", rewriteAuthority, p);
      }
    }
    if (response != null) {
      set(response.getSet(), field + ".response.set", false, p);
      set(response.getAdd(), field + ".response.add", false, p);
      remove(response.getRemove(), field + ".response.remove", p);
    }
  }

  private static void set(Map<String, String> headers, String field, boolean request, Problems p) {
    new TreeMap<>(headers == null ? Map.<String, String>of() : headers).forEach((name, value) -> {
      String f = field + "." + name;
      if (name.isEmpty()) {
        p.error(field, "a header name must not be empty");
      } else if (!request && internal(name) || request && name.startsWith(":") && !authority(name)) {
        p.error(f, name.equalsIgnoreCase("host") ? "the Host header cannot be set on a response"
            : "a header name cannot start with ':'");
      } else if (!nameOk(name, f, p)) {
        return;
      } else {
        value(value == null ? "" : value, f, p);
      }
    });
  }

  private static void remove(List<String> names, String field, Problems p) {
    for (int i = 0; i < (names == null ? 0 : names.size()); i++) {
      String name = names.get(i) == null ? "" : names.get(i);
      String f = field + "[" + i + "]";
      if (name.isEmpty()) {
        p.error(f, "a header name must not be empty");
      } else if (internal(name)) {
        p.error(f, name.equalsIgnoreCase("host") ? "the Host header cannot be removed"
            : "a header name cannot start with ':'");
      } else {
        nameOk(name, f, p);
      }
    }
  }

  /** Envoy refuses CR, LF and NUL in a header name (Istio checks no more than emptiness and ':'). */
  private static boolean nameOk(String name, String field, Problems p) {
    if (name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0 || name.indexOf('\0') >= 0) {
      p.error(field, "a header name must not contain CR, LF or NUL");
      return false;
    }
    return true;
  }

  private static boolean internal(String name) {
    return name.startsWith(":") || name.equalsIgnoreCase("host");
  }

  /** The authority is set in one place only: rewrite.authority, or one of set/add {@code :authority}/{@code host}. */
  private static void authorityOnce(HeadersHeaderOperations request, String field, String rewrite, Problems p) {
    int count = rewrite.isEmpty() ? 0 : 1;
    for (var e : List.of(Map.entry("set", request.getSet()), Map.entry("add", request.getAdd()))) {
      for (String name : new TreeMap<>(e.getValue() == null ? Map.<String, String>of() : e.getValue()).keySet()) {
        if (authority(name) && ++count > 1) {
          p.error(field + "." + e.getKey() + "." + name, "the authority is already set (by rewrite.authority or"
              + " another :authority or host header)");
        }
      }
    }
  }

  /**
   * A header value: no control characters but tab, and Envoy's {@code %VARIABLE%} syntax well
   * formed ({@code %%} for a literal %), as Istio's {@code ValidateHTTPHeaderValue}.
   */
  static void value(String value, String field, Problems p) {
    if (CONTROL.matcher(value).find()) {
      p.error(field, "a header value must not contain control characters (CR, LF, NUL, ...) other than tab");
      return;
    }
    String problem = HeaderValueSyntax.problem(value);
    if (problem != null) {
      p.error(field, "invalid header value \"" + Problems.truncate(value) + "\": " + problem);
    }
  }
}
