package io.bosun.explain;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's route matching, with a reason for every condition that fails: the path (prefix on
 * {@code :path}, exact and regex on the path without its query), then every header matcher, then
 * every query parameter matcher. All must hold.
 */
final class RouteMatcher {
  private RouteMatcher() {
  }

  /** Why {@code m} does not match {@code r}: empty when it matches. */
  static List<String> mismatches(RouteMatch m, ExplainRequest r, List<String> notes) {
    List<String> why = new ArrayList<>();
    boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    String path = r.pathOnly();
    String caseNote = cs ? "" : " (ignoring case)";
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        if (!startsWith(r.path(), m.getPrefix(), !cs)) {
          why.add("path " + r.path() + " does not start with " + m.getPrefix() + caseNote);
        }
      }
      case PATH -> {
        if (!(cs ? path.equals(m.getPath()) : path.equalsIgnoreCase(m.getPath()))) {
          why.add("path " + path + " is not " + m.getPath() + caseNote);
        }
      }
      case SAFE_REGEX -> {
        String regex = m.getSafeRegex().getRegex();
        // Envoy ignores case_sensitive for a regex
        if (!fullMatch(regex, path, false)) {
          why.add("path " + path + " does not match the regex " + regex);
        }
      }
      case PATH_SEPARATED_PREFIX -> {
        String p = m.getPathSeparatedPrefix();
        boolean ok = cs ? path.equals(p) || path.startsWith(p + "/") : path.equalsIgnoreCase(p)
            || startsWith(path, p + "/", true);
        if (!ok) {
          why.add("path " + path + " is neither " + p + " nor below it" + caseNote);
        }
      }
      case CONNECT_MATCHER -> {
        if (!r.method().equals("CONNECT")) {
          why.add("method " + r.method() + " is not CONNECT");
        }
      }
      case PATH_MATCH_POLICY -> notes.add("route path templates (path_match_policy) were taken as matching");
      default -> {
        // no path condition
      }
    }
    for (HeaderMatcher h : m.getHeadersList()) {
      header(h, r).ifPresent(why::add);
    }
    if (!m.getQueryParametersList().isEmpty()) {
      for (QueryParameterMatcher q : m.getQueryParametersList()) {
        queryParameter(q, r.query()).ifPresent(why::add);
      }
    }
    if (m.hasGrpc() && !r.header("content-type").orElse("").startsWith("application/grpc")) {
      why.add("not a gRPC request (content-type application/grpc)");
    }
    if (m.hasRuntimeFraction()) {
      notes.add("a route also matches only a runtime fraction of requests; taken as matching");
    }
    if (m.getDynamicMetadataCount() > 0 || m.getFilterStateCount() > 0) {
      notes.add("route conditions on dynamic metadata or filter state were taken as matching");
    }
    if (m.hasTlsContext() && m.getTlsContext().hasPresented() && m.getTlsContext().getPresented().getValue()
        && !r.scheme().equals("https")) {
      why.add("the connection is not TLS");
    }
    return why;
  }

  /** Why header matcher {@code h} fails, following Envoy's rules for missing headers and inversion. */
  private static Optional<String> header(HeaderMatcher h, ExplainRequest r) {
    Optional<String> value = r.header(h.getName());
    String name = h.getName();
    boolean invert = h.getInvertMatch();
    String what = describe(h);
    if (value.isEmpty() && !h.getTreatMissingHeaderAsEmpty()) {
      boolean presence = h.getHeaderMatchSpecifierCase() == HeaderMatcher.HeaderMatchSpecifierCase.PRESENT_MATCH;
      boolean ok = invert ? presence && h.getPresentMatch() : presence && !h.getPresentMatch();
      return ok ? Optional.empty() : Optional.of("header " + name + " is missing (needs " + what + ")");
    }
    String v = value.orElse("");
    boolean match = switch (h.getHeaderMatchSpecifierCase()) {
      case STRING_MATCH -> stringMatch(h.getStringMatch(), v);
      case PRESENT_MATCH -> h.getPresentMatch();
      case RANGE_MATCH -> {
        try {
          long n = Long.parseLong(v);
          yield n >= h.getRangeMatch().getStart() && n < h.getRangeMatch().getEnd();
        } catch (NumberFormatException e) {
          yield false;
        }
      }
      case HEADERMATCHSPECIFIER_NOT_SET -> true;
      default -> throw new IllegalArgumentException("header matcher " + h.getHeaderMatchSpecifierCase()
          + " is not supported by explain");
    };
    if (match != invert) {
      return Optional.empty();
    }
    String shown = value.isPresent() ? "\"" + v + "\"" : "missing (taken as \"\")";
    return Optional.of("header " + name + " is " + shown + ", which does not satisfy " + what);
  }

  private static String describe(HeaderMatcher h) {
    String base = switch (h.getHeaderMatchSpecifierCase()) {
      case STRING_MATCH -> describe(h.getStringMatch());
      case PRESENT_MATCH -> h.getPresentMatch() ? "present" : "absent";
      case RANGE_MATCH -> "in [" + h.getRangeMatch().getStart() + ", " + h.getRangeMatch().getEnd() + ")";
      default -> "present";
    };
    return h.getInvertMatch() ? "not " + base : base;
  }

  static String describe(StringMatcher s) {
    String base = switch (s.getMatchPatternCase()) {
      case EXACT -> "exactly \"" + s.getExact() + "\"";
      case PREFIX -> "prefix \"" + s.getPrefix() + "\"";
      case SUFFIX -> "suffix \"" + s.getSuffix() + "\"";
      case CONTAINS -> "containing \"" + s.getContains() + "\"";
      case SAFE_REGEX -> "regex " + s.getSafeRegex().getRegex();
      default -> s.getMatchPatternCase().toString();
    };
    return s.getIgnoreCase() ? base + " (ignoring case)" : base;
  }

  static boolean stringMatch(StringMatcher s, String v) {
    boolean ic = s.getIgnoreCase();
    return switch (s.getMatchPatternCase()) {
      case EXACT -> ic ? v.equalsIgnoreCase(s.getExact()) : v.equals(s.getExact());
      case PREFIX -> startsWith(v, s.getPrefix(), ic);
      case SUFFIX -> ic ? v.toLowerCase(Locale.ROOT).endsWith(s.getSuffix().toLowerCase(Locale.ROOT))
          : v.endsWith(s.getSuffix());
      case CONTAINS -> ic ? v.toLowerCase(Locale.ROOT).contains(s.getContains().toLowerCase(Locale.ROOT))
          : v.contains(s.getContains());
      // Envoy ignores ignore_case for a regex
      case SAFE_REGEX -> fullMatch(s.getSafeRegex().getRegex(), v, false);
      default -> throw new IllegalArgumentException("string matcher " + s.getMatchPatternCase()
          + " is not supported by explain");
    };
  }

  /** Envoy matches the first value of the parameter as written: names and values are not percent-decoded. */
  private static Optional<String> queryParameter(QueryParameterMatcher q, String query) {
    Optional<String> value = Optional.empty();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (k.equals(q.getName())) {
        value = Optional.of(eq < 0 ? "" : pair.substring(eq + 1));
        break;
      }
    }
    if (q.getQueryParameterMatchSpecifierCase() == QueryParameterMatcher.QueryParameterMatchSpecifierCase
        .PRESENT_MATCH) {
      boolean ok = value.isPresent() == q.getPresentMatch();
      return ok ? Optional.empty() : Optional.of("query parameter " + q.getName()
          + (q.getPresentMatch() ? " is missing" : " is present"));
    }
    if (value.isEmpty()) {
      return Optional.of("query parameter " + q.getName() + " is missing (needs "
          + describe(q.getStringMatch()) + ")");
    }
    if (q.hasStringMatch() && !stringMatch(q.getStringMatch(), value.get())) {
      return Optional.of("query parameter " + q.getName() + " is \"" + value.get() + "\", not "
          + describe(q.getStringMatch()));
    }
    return Optional.empty();
  }

  private static boolean startsWith(String s, String prefix, boolean ignoreCase) {
    return s.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
  }

  /** RE2 full match; RE2's syntax is, for what routes use, Java's. */
  static boolean fullMatch(String regex, String s, boolean ignoreCase) {
    try {
      return Pattern.compile(regex, ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(s).matches();
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("regex " + regex + " cannot be evaluated here: " + e.getDescription());
    }
  }

  /** A short form of the route's conditions, for the listing of routes checked. */
  static String summary(RouteMatch m) {
    List<String> parts = new ArrayList<>();
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> parts.add("prefix " + m.getPrefix());
      case PATH -> parts.add("path " + m.getPath());
      case SAFE_REGEX -> parts.add("path regex " + m.getSafeRegex().getRegex());
      case PATH_SEPARATED_PREFIX -> parts.add("path below " + m.getPathSeparatedPrefix());
      default -> parts.add(m.getPathSpecifierCase().toString().toLowerCase(Locale.ROOT));
    }
    if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
      parts.add("ignoring case");
    }
    m.getHeadersList().forEach(h -> parts.add("header " + h.getName() + " " + describe(h)));
    m.getQueryParametersList().forEach(q -> parts.add("query " + q.getName() + " "
        + (q.hasStringMatch() ? describe(q.getStringMatch()) : q.getPresentMatch() ? "present" : "absent")));
    return String.join(", ", parts);
  }
}
