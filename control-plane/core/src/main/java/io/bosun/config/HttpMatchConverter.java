package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.HttpMatch;
import io.bosun.model.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTPMatchRequest as Istio's {@code validateHTTPRouteMatchRequest} checks it, to the model. JWT
 * claim matches ({@code @request.auth.claims...}) are Istio's for gateways only; Bosun does not
 * route on claims yet, so a match with one is left out (and a route left with no match, too).
 */
final class HttpMatchConverter {
  private HttpMatchConverter() {
  }

  /** The matches of one route, or null when the route must be left out (every match named a claim). */
  static List<HttpMatch> matches(List<HTTPMatchRequest> in, String field, String ns, boolean gatewayOnly,
                                 Problems problems) {
    List<HttpMatch> out = new ArrayList<>();
    boolean dropped = false;
    for (int j = 0; j < in.size(); j++) {
      String mf = field + ".match[" + j + "]";
      HTTPMatchRequest m = in.get(j);
      if (m != null && claims(m, mf, gatewayOnly, problems)) {
        dropped = true;
        continue;
      }
      HttpMatch match = match(m, mf, ns, problems);
      if (match != null) {
        out.add(match);
      }
    }
    if (dropped && out.isEmpty()) {
      problems.warning(field, "every match of this rule routes on JWT claims: the rule is left out");
      return null;
    }
    return out;
  }

  /** Whether {@code m} routes on JWT claims: an error on mesh routes, a warning (match left out) on gateways. */
  private static boolean claims(HTTPMatchRequest m, String field, boolean gatewayOnly, Problems problems) {
    boolean any = false;
    for (var e : List.of(Map.entry("headers", m.getHeaders() == null ? Map.of() : m.getHeaders()),
        Map.entry("withoutHeaders", m.getWithoutHeaders() == null ? Map.of() : m.getWithoutHeaders()))) {
      for (Object name : new TreeMap<>(e.getValue()).keySet()) {
        if (HeaderRules.claim(String.valueOf(name))) {
          any = true;
          String f = field + "." + e.getKey() + "." + name;
          if (gatewayOnly) {
            problems.warning(f, "routing on JWT claims is not supported by this Bosun release yet: this match is"
                + " left out");
          } else {
            problems.error(f, "routing on JWT claims is only supported for gateways: bind this VirtualService to"
                + " gateways only (no \"mesh\")");
          }
        }
      }
    }
    return any;
  }

  private static HttpMatch match(HTTPMatchRequest m, String field, String ns, Problems problems) {
    if (m == null) {
      return new HttpMatch("", null, Map.of());
    }
    int port = 0;
    if (m.getPort() != null && m.getPort() != 0 && Checks.port(m.getPort(), field + ".port", problems)) {
      port = m.getPort().intValue(); // 0 is unset
    }
    Checks.labels(m.getSourceLabels(), field + ".sourceLabels", problems);
    if (m.getSourceNamespace() != null && !m.getSourceNamespace().isEmpty()
        && !HostNames.label(m.getSourceNamespace())) {
      problems.error(field + ".sourceNamespace", "invalid namespace \"" + m.getSourceNamespace() + "\"");
    }
    List<String> gateways = VirtualServiceConverter.gateways(list(m.getGateways()), field + ".gateways", ns,
        problems);
    StringMatch uri = uri(m.getUri(), field + ".uri", problems);
    return new HttpMatch(m.getName(), uri, headers(m.getHeaders(), field + ".headers", false, problems),
        pseudo(m.getMethod(), field + ".method", problems),
        pseudo(m.getAuthority(), field + ".authority", problems),
        pseudo(m.getScheme(), field + ".scheme", problems),
        queryParams(m.getQueryParams(), field + ".queryParams", problems),
        headers(m.getWithoutHeaders(), field + ".withoutHeaders", true, problems),
        Boolean.TRUE.equals(m.getIgnoreUriCase()), port, m.getSourceLabels(), m.getSourceNamespace(), gateways);
  }

  /** uri: any prefix (even ""), a valid regex; {@code uri: {}} matches every path, as in Istio. */
  private static StringMatch uri(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch m, String field,
                                 Problems problems) {
    return m == null || m.getMatchType() == null ? null : Checks.stringMatch(m, field, problems);
  }

  /** method, authority, scheme: {@code {}} means present; an empty prefix is refused (Envoy would refuse it). */
  private static StringMatch pseudo(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch m, String field,
                                    Problems problems) {
    if (m == null) {
      return null;
    }
    return m.getMatchType() == null ? StringMatch.prefix("") : nonEmptyPrefix(m, field, problems);
  }

  private static StringMatch nonEmptyPrefix(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch m, String field,
                                            Problems problems) {
    if (m.getMatchType() instanceof StringMatchPrefix p && "".equals(p.getPrefix())) {
      problems.error(field + ".prefix", "an empty prefix is not allowed here (leave the match empty to match any"
          + " value)");
      return null;
    }
    return Checks.stringMatch(m, field, problems);
  }

  /**
   * Header name -> match: names are tokens or pseudo-headers (any case; Envoy compares them in lower
   * case, so they are kept so); {@code {}} means present, and so does regex {@code *} in withoutHeaders.
   */
  private static Map<String, StringMatch> headers(
      Map<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch> in, String field, boolean without,
      Problems problems) {
    Map<String, StringMatch> out = new LinkedHashMap<>();
    new TreeMap<>(in == null ? Map.<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch>of() : in)
        .forEach((name, value) -> {
          String hf = field + "." + name;
          if (name.isEmpty() || !HeaderRules.matchable(name)) {
            problems.error(hf, "invalid header name");
            return;
          }
          boolean star = without && value != null && value.getMatchType() instanceof StringMatchRegex r
              && "*".equals(r.getRegex());
          StringMatch sm = value == null || value.getMatchType() == null || star ? StringMatch.prefix("")
              : nonEmptyPrefix(value, hf, problems);
          if (sm != null) {
            out.put(name.toLowerCase(Locale.ROOT), sm);
          }
        });
    return out;
  }

  private static Map<String, StringMatch> queryParams(
      Map<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch> in, String field, Problems problems) {
    Map<String, StringMatch> out = new LinkedHashMap<>();
    new TreeMap<>(in == null ? Map.<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch>of() : in)
        .forEach((name, value) -> {
          String qf = field + "." + name;
          if (name.isEmpty()) {
            problems.error(qf, "a query parameter name must not be empty");
            return;
          }
          StringMatch sm = value == null || value.getMatchType() == null ? StringMatch.prefix("")
              : nonEmptyPrefix(value, qf, problems);
          if (sm != null) {
            out.put(name, sm);
          }
        });
    return out;
  }
}
