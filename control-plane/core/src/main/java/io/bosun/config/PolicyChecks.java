package io.bosun.config;

import io.fabric8.istio.api.api.networking.v1alpha3.ConnectionPoolSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.CorsPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjection;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortHttpStatus;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionDelayFixedDelay;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirect;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRetry;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRewrite;
import io.fabric8.istio.api.api.networking.v1alpha3.Headers;
import io.fabric8.istio.api.api.networking.v1alpha3.HeadersHeaderOperations;
import io.fabric8.istio.api.api.networking.v1alpha3.OutlierDetection;
import io.fabric8.istio.api.api.networking.v1alpha3.Percent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Istio's value rules for fields Bosun does not translate yet: such a field is still ignored
 * (with a warning), but a value Istio would reject is rejected here too, so a config that
 * passes Bosun also passes Istio.
 */
final class PolicyChecks {
  private static final Set<Long> REDIRECT_CODES = Set.of(301L, 302L, 303L, 307L, 308L);
  private static final Set<String> RETRY_ON = Set.of("5xx", "gateway-error", "reset", "reset-before-request",
      "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes",
      "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal",
      "resource-exhausted", "unavailable");

  private PolicyChecks() {
  }

  static void timeout(String timeout, String field, Problems p) {
    if (timeout != null && Durations.parse(timeout) != null && Durations.parse(timeout).isZero()) {
      return; // 0s means "no timeout" to Istio
    }
    Durations.check(timeout, field, p);
  }

  static void retries(HTTPRetry r, String field, Problems p) {
    if (r == null) {
      return;
    }
    if (r.getAttempts() != null && r.getAttempts() < 0) {
      p.error(field + ".attempts", "must not be negative");
    }
    Durations.check(r.getPerTryTimeout(), field + ".perTryTimeout", p);
    Durations.check(r.getBackoff(), field + ".backoff", p);
    if (r.getRetryOn() != null) {
      for (String on : r.getRetryOn().split(",")) {
        String v = on.trim();
        if (!v.isEmpty() && !RETRY_ON.contains(v) && !v.matches("[1-5][0-9][0-9]")) {
          p.error(field + ".retryOn", "unknown retry condition \"" + v + "\"");
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
      } else if (d.getHttpDelayType() == null) {
        p.error(field + ".delay.fixedDelay", "fixedDelay is required");
      }
      percent(d.getPercentage(), field + ".delay.percentage.value", p);
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
      } else if (a.getErrorType() == null) {
        p.error(field + ".abort", "httpStatus, grpcStatus or http2Error is required");
      }
      percent(a.getPercentage(), field + ".abort.percentage.value", p);
    }
  }

  static void percent(Percent percent, String field, Problems p) {
    if (percent != null && percent.getValue() != null && (percent.getValue() < 0 || percent.getValue() > 100)) {
      p.error(field, "must be between 0 and 100");
    }
  }

  static void redirect(HTTPRedirect r, String field, Problems p) {
    if (r == null) {
      return;
    }
    if (r.getRedirectCode() != null && r.getRedirectCode() != 0 && !REDIRECT_CODES.contains(r.getRedirectCode())) {
      p.error(field + ".redirectCode", "must be one of 301, 302, 303, 307, 308");
    }
    boolean any = notEmpty(r.getUri()) || notEmpty(r.getAuthority()) || notEmpty(r.getScheme())
        || r.getRedirectPort() != null;
    if (!any) {
      p.error(field, "uri, authority, scheme or port is required");
    }
  }

  static void rewrite(HTTPRewrite r, String field, Problems p) {
    if (r != null && notEmpty(r.getUri()) && r.getUriRegexRewrite() != null) {
      p.error(field, "uri and uriRegexRewrite cannot both be set");
    }
    if (r != null && r.getUriRegexRewrite() != null) {
      if (r.getUriRegexRewrite().getMatch() == null || r.getUriRegexRewrite().getMatch().isEmpty()) {
        p.error(field + ".uriRegexRewrite.match", "a regular expression is required");
      } else {
        Checks.regex(r.getUriRegexRewrite().getMatch(), field + ".uriRegexRewrite.match", p);
      }
    }
  }

  static void cors(CorsPolicy c, String field, Problems p) {
    if (c == null) {
      return;
    }
    Durations.check(c.getMaxAge(), field + ".maxAge", p);
    List<String> methods = c.getAllowMethods() == null ? List.of() : c.getAllowMethods();
    for (int i = 0; i < methods.size(); i++) {
      if (!methods.get(i).matches("[A-Z]+")) {
        p.error(field + ".allowMethods[" + i + "]", "invalid HTTP method \"" + methods.get(i) + "\"");
      }
    }
  }

  static void headers(Headers h, String field, Problems p) {
    if (h == null) {
      return;
    }
    operations(h.getRequest(), field + ".request", true, p);
    operations(h.getResponse(), field + ".response", false, p);
  }

  private static void operations(HeadersHeaderOperations ops, String field, boolean request, Problems p) {
    if (ops == null) {
      return;
    }
    for (var e : List.of(Map.entry("set", ops.getSet() == null ? Map.<String, String>of() : ops.getSet()),
        Map.entry("add", ops.getAdd() == null ? Map.<String, String>of() : ops.getAdd()))) {
      for (String name : new TreeSet<>(e.getValue().keySet())) {
        String f = field + "." + e.getKey() + "." + name;
        String value = e.getValue().get(name);
        if (!validHeaderName(name)) {
          p.error(f, "invalid header name");
        } else if (name.equalsIgnoreCase("host")) {
          // Envoy refuses to modify Host through header options (it would NACK the whole route table)
          p.error(f, request ? "the Host header cannot be set here; use rewrite.authority"
              : "the Host header cannot be set");
        } else if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0
            || value.indexOf('\0') >= 0)) {
          p.error(f, "header value must not contain CR, LF or NUL");
        }
      }
    }
    List<String> remove = ops.getRemove() == null ? List.of() : ops.getRemove();
    for (int i = 0; i < remove.size(); i++) {
      if (!validHeaderName(remove.get(i))) {
        p.error(field + ".remove[" + i + "]", "invalid header name \"" + remove.get(i) + "\"");
      } else if (remove.get(i).equalsIgnoreCase("host")) {
        p.error(field + ".remove[" + i + "]", "the Host header cannot be removed");
      }
    }
  }

  static boolean validHeaderName(String name) {
    return name != null && name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  }

  static void connectionPool(ConnectionPoolSettings c, String field, Problems p) {
    if (c == null) {
      return;
    }
    if (c.getTcp() != null) {
      nonNegative(c.getTcp().getMaxConnections(), field + ".tcp.maxConnections", p);
      Durations.check(c.getTcp().getConnectTimeout(), field + ".tcp.connectTimeout", p);
      Durations.check(c.getTcp().getIdleTimeout(), field + ".tcp.idleTimeout", p);
      Durations.check(c.getTcp().getMaxConnectionDuration(), field + ".tcp.maxConnectionDuration", p);
    }
    if (c.getHttp() != null) {
      var h = c.getHttp();
      nonNegative(h.getHttp1MaxPendingRequests(), field + ".http.http1MaxPendingRequests", p);
      nonNegative(h.getHttp2MaxRequests(), field + ".http.http2MaxRequests", p);
      nonNegative(h.getMaxRequestsPerConnection(), field + ".http.maxRequestsPerConnection", p);
      nonNegative(h.getMaxRetries(), field + ".http.maxRetries", p);
      nonNegative(h.getMaxConcurrentStreams(), field + ".http.maxConcurrentStreams", p);
      Durations.check(h.getIdleTimeout(), field + ".http.idleTimeout", p);
    }
  }

  static void outlierDetection(OutlierDetection o, String field, Problems p) {
    if (o == null) {
      return;
    }
    nonNegative(o.getConsecutiveErrors(), field + ".consecutiveErrors", p);
    nonNegative(o.getConsecutiveGatewayErrors(), field + ".consecutiveGatewayErrors", p);
    if (o.getConsecutive5xxErrors() != null && o.getConsecutive5xxErrors() < 0) {
      p.error(field + ".consecutive5xxErrors", "must not be negative");
    }
    Durations.check(o.getInterval(), field + ".interval", p);
    Durations.check(o.getBaseEjectionTime(), field + ".baseEjectionTime", p);
    between(o.getMaxEjectionPercent(), field + ".maxEjectionPercent", p);
    between(o.getMinHealthPercent(), field + ".minHealthPercent", p);
  }

  private static void nonNegative(Integer v, String field, Problems p) {
    if (v != null && v < 0) {
      p.error(field, "must not be negative");
    }
  }

  private static void between(Integer v, String field, Problems p) {
    if (v != null && (v < 0 || v > 100)) {
      p.error(field, "must be between 0 and 100");
    }
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
