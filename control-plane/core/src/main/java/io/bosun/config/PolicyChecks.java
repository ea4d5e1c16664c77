package io.bosun.config;

import io.fabric8.istio.api.api.networking.v1alpha3.CorsPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjection;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortGrpcStatus;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortHttp2Error;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortHttpStatus;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionDelayExponentialDelay;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionDelayFixedDelay;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirect;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirectPort;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRetry;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRewrite;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.Percent;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Istio's rules for an HTTP route's actions ({@code virtualservice.go} {@code validateHTTPRouteConflict},
 * {@code validation.go} {@code validateHTTPRedirect}, {@code validateHTTPRewrite}, {@code validateCORSPolicy},
 * {@code validateHTTPFaultInjection}; {@code agent.ValidateHTTPRetry}). Where Istio accepts a value Bosun
 * cannot serve yet, it is a warning, never an error.
 */
final class PolicyChecks {
  /** The redirect codes Envoy (and so Istio) can send; Istio accepts any 3xx and serves no others. */
  private static final Set<Long> REDIRECT_CODES = Set.of(301L, 302L, 303L, 307L, 308L);
  private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "reset-before-request",
      "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes",
      "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
      "resource-exhausted", "unavailable");
  /** The status codes Go's {@code net/http} names, which Istio accepts in retryOn. */
  private static final Pattern HTTP_STATUS = Pattern.compile("10[0-3]|20[0-8]|226|30[0-578]|4(0[0-9]|1[0-8])"
      + "|42[1-6]|428|429|431|451|50[0-8]|51[01]");
  private static final Set<String> CORS_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT",
      "OPTIONS", "TRACE", "*");
  private static final Set<String> GRPC_STATUS = Set.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED");

  private PolicyChecks() {
  }

  /** What one route may combine: one of route, redirect, directResponse; no fault or rewrite with the latter two. */
  static void conflicts(HTTPRoute r, String field, Problems p) {
    boolean route = r.getRoute() != null && !r.getRoute().isEmpty();
    if (!route && r.getRedirect() == null && r.getDirectResponse() == null && r.getDelegate() == null) {
      p.error(field, "one of route, redirect, directResponse or delegate is required");
    }
    for (String other : List.of("redirect", "directResponse")) {
      boolean set = other.equals("redirect") ? r.getRedirect() != null : r.getDirectResponse() != null;
      if (set && route) {
        p.error(field, "route and " + other + " cannot both be set");
      }
      if (set && r.getFault() != null) {
        p.error(field + ".fault", "cannot be combined with " + other);
      }
      if (set && r.getRewrite() != null) {
        p.error(field + ".rewrite", "cannot be combined with " + other);
      }
    }
    if (r.getRedirect() != null && r.getDirectResponse() != null) {
      p.error(field, "redirect and directResponse cannot both be set");
    }
    if (r.getMirror() != null && r.getMirrors() != null && !r.getMirrors().isEmpty()) {
      p.error(field, "mirror and mirrors cannot both be set");
    }
  }

  /** At least 1 ms, in whole milliseconds' worth ({@code agent.ValidateDuration}); 0s is refused too. */
  static void timeout(String timeout, String field, Problems p) {
    Durations.check(timeout, field, p);
  }

  static void retries(HTTPRetry r, String field, Problems p) {
    if (r == null) {
      return;
    }
    if (r.getAttempts() != null && r.getAttempts() < 0) {
      p.error(field + ".attempts", "must not be negative");
    }
    boolean off = r.getAttempts() == null || r.getAttempts() == 0;
    if (off && (r.getPerTryTimeout() != null || notEmpty(r.getRetryOn()) || r.getRetryRemoteLocalities() != null)) {
      p.error(field + ".attempts", "attempts 0 turns retries off: perTryTimeout, retryOn and"
          + " retryRemoteLocalities cannot be set with it");
    }
    Durations.check(r.getPerTryTimeout(), field + ".perTryTimeout", p);
    Durations.check(r.getBackoff(), field + ".backoff", p);
    if (notEmpty(r.getRetryOn())) {
      for (String v : r.getRetryOn().split(",", -1)) {
        if (!RETRY_ON.contains(v) && !HTTP_STATUS.matcher(v).matches()) {
          p.error(field + ".retryOn", "unknown retry condition \"" + Problems.truncate(v) + "\"");
        }
      }
    }
  }

  static void fault(HTTPFaultInjection f, String field, Problems p) {
    if (f == null) {
      return;
    }
    if (f.getDelay() == null && f.getAbort() == null) {
      p.error(field, "delay or abort is required");
    }
    if (f.getDelay() != null) {
      var d = f.getDelay();
      if (d.getHttpDelayType() instanceof HTTPFaultInjectionDelayFixedDelay fixed) {
        Durations.check(fixed.getFixedDelay(), field + ".delay.fixedDelay", p);
      } else if (d.getHttpDelayType() instanceof HTTPFaultInjectionDelayExponentialDelay e) {
        Durations.check(e.getExponentialDelay(), field + ".delay.exponentialDelay", p);
        p.error(field + ".delay.exponentialDelay", "not supported (by Istio either)");
      } else {
        p.warning(field + ".delay", "no fixedDelay: no delay is injected");
      }
      faultPercent(d.getPercentage(), field + ".delay.percentage.value", p);
      if (d.getPercent() != null && (d.getPercent() < 0 || d.getPercent() > 100)) {
        p.error(field + ".delay.percent", "must be between 0 and 100");
      }
    }
    if (f.getAbort() != null) {
      var a = f.getAbort();
      if (a.getErrorType() instanceof HTTPFaultInjectionAbortHttpStatus s) {
        if (s.getHttpStatus() == null || s.getHttpStatus() < 200 || s.getHttpStatus() > 599) {
          p.error(field + ".abort.httpStatus", "must be an HTTP status between 200 and 599");
        }
      } else if (a.getErrorType() instanceof HTTPFaultInjectionAbortGrpcStatus g) {
        if (!GRPC_STATUS.contains(g.getGrpcStatus())) {
          p.error(field + ".abort.grpcStatus", "unknown gRPC status \"" + g.getGrpcStatus() + "\" (e.g. NOT_FOUND)");
        } else {
          p.warning(field + ".abort.grpcStatus", "not supported by this Bosun release yet; no abort is injected");
        }
      } else if (a.getErrorType() instanceof HTTPFaultInjectionAbortHttp2Error) {
        p.error(field + ".abort.http2Error", "not supported (by Istio either)");
      } else {
        p.warning(field + ".abort", "no httpStatus: no abort is injected");
      }
      faultPercent(a.getPercentage(), field + ".abort.percentage.value", p);
    }
  }

  static void percent(Percent percent, String field, Problems p) {
    if (percent != null && percent.getValue() != null && (percent.getValue() < 0 || percent.getValue() > 100)) {
      p.error(field, "must be between 0 and 100");
    }
  }

  /** Istio's {@code validatePercentage}: 0, or 0.0001 to 100. */
  private static void faultPercent(Percent percent, String field, Problems p) {
    percent(percent, field, p);
    if (percent != null && percent.getValue() != null && percent.getValue() > 0 && percent.getValue() < 0.0001) {
      p.error(field, "must be 0 or at least 0.0001");
    }
  }

  /** Whether the redirect can be served; one Envoy cannot send (a 3xx code it lacks) leaves its rule out. */
  static boolean redirect(HTTPRedirect r, String field, Problems p) {
    if (r == null) {
      return true;
    }
    boolean any = notEmpty(r.getUri()) || notEmpty(r.getAuthority()) || notEmpty(r.getScheme())
        || r.getRedirectPort() != null;
    if (!any) {
      p.error(field, "uri, authority, scheme or port is required");
    }
    if (notEmpty(r.getScheme()) && !r.getScheme().equals("http") && !r.getScheme().equals("https")) {
      p.error(field + ".scheme", "must be http or https");
    }
    if (r.getRedirectPort() instanceof HTTPRedirectPort port && port.getPort() != null && port.getPort() != 0) {
      Checks.port(port.getPort(), field + ".port", p);
    }
    long code = r.getRedirectCode() == null ? 0 : r.getRedirectCode();
    if (code != 0 && (code < 300 || code > 399)) {
      p.error(field + ".redirectCode", "must be a 3xx code (301, 302, 303, 307 or 308)");
    } else if (code != 0 && !REDIRECT_CODES.contains(code)) {
      p.warning(field + ".redirectCode", code + " is not one Envoy can send (301, 302, 303, 307, 308): this rule is"
          + " left out, as Istio leaves it without an action");
      return false;
    }
    return true;
  }

  static void rewrite(HTTPRewrite r, String field, Problems p) {
    if (r == null) {
      return;
    }
    if (notEmpty(r.getUri()) && r.getUriRegexRewrite() != null) {
      p.error(field, "uri and uriRegexRewrite cannot both be set");
    }
    if (!notEmpty(r.getUri()) && r.getUriRegexRewrite() == null && !notEmpty(r.getAuthority())) {
      p.error(field, "uri, uriRegexRewrite or authority is required");
    }
    if (r.getUriRegexRewrite() != null) {
      if (!notEmpty(r.getUriRegexRewrite().getMatch())) {
        p.error(field + ".uriRegexRewrite.match", "a regular expression is required");
      } else {
        Checks.regex(r.getUriRegexRewrite().getMatch(), field + ".uriRegexRewrite.match", p);
      }
      if (!notEmpty(r.getUriRegexRewrite().getRewrite())) {
        p.error(field + ".uriRegexRewrite.rewrite", "a substitution is required");
      }
    }
  }

  static void cors(CorsPolicy c, String field, Problems p) {
    if (c == null) {
      return;
    }
    Duration maxAge = Durations.check(c.getMaxAge(), field + ".maxAge", p);
    if (maxAge != null && maxAge.getNano() != 0) {
      p.error(field + ".maxAge", "must be whole seconds");
    }
    List<String> methods = c.getAllowMethods() == null ? List.of() : c.getAllowMethods();
    for (int i = 0; i < methods.size(); i++) {
      if (!CORS_METHODS.contains(methods.get(i))) {
        p.error(field + ".allowMethods[" + i + "]", "invalid HTTP method \"" + methods.get(i) + "\"");
      }
    }
    for (String list : List.of("allowHeaders", "exposeHeaders")) {
      List<String> names = list.equals("allowHeaders") ? c.getAllowHeaders() : c.getExposeHeaders();
      for (int i = 0; i < (names == null ? 0 : names.size()); i++) {
        String n = names.get(i);
        if (n == null || !n.equals("*") && !HeaderRules.token(n)) {
          p.error(field + "." + list + "[" + i + "]", "invalid header name \"" + n + "\"");
        }
      }
    }
    List<StringMatch> origins = c.getAllowOrigins() == null ? List.of() : c.getAllowOrigins();
    for (int i = 0; i < origins.size(); i++) {
      String of = field + ".allowOrigins[" + i + "]";
      StringMatch o = origins.get(i);
      Object t = o == null ? null : o.getMatchType();
      String value = t instanceof StringMatchExact e ? e.getExact() : t instanceof StringMatchPrefix pr
          ? pr.getPrefix() : t instanceof StringMatchRegex re ? re.getRegex() : null;
      if (value == null || value.isEmpty()) {
        p.error(of, "exact, prefix or regex with a value is required");
      } else {
        Checks.stringMatch(o, of, p);
      }
    }
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
