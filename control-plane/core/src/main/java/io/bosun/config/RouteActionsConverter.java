package io.bosun.config;

import io.bosun.model.RouteActions;
import io.bosun.model.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.CorsPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPBodyBytes;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPBodyString;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPDirectResponse;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjection;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionAbortHttpStatus;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPFaultInjectionDelayFixedDelay;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirect;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRedirectPort;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRetry;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRewrite;
import io.fabric8.istio.api.api.networking.v1alpha3.Headers;
import io.fabric8.istio.api.api.networking.v1alpha3.HeadersHeaderOperations;
import io.fabric8.istio.api.api.networking.v1alpha3.Percent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The per-route actions of an HTTPRoute, already validated by {@link PolicyChecks}, to the model. */
final class RouteActionsConverter {
  private RouteActionsConverter() {
  }

  static Duration timeout(String timeout) {
    return timeout == null ? null : Durations.parse(timeout);
  }

  static RouteActions.Retry retries(HTTPRetry r) {
    if (r == null) {
      return null;
    }
    int attempts = r.getAttempts() == null ? 0 : r.getAttempts();
    return new RouteActions.Retry(attempts, r.getPerTryTimeout() == null ? null : Durations.parse(r.getPerTryTimeout()),
        r.getRetryOn() == null ? "" : r.getRetryOn());
  }

  static RouteActions.Redirect redirect(HTTPRedirect r) {
    if (r == null) {
      return null;
    }
    int port = r.getRedirectPort() instanceof HTTPRedirectPort p && p.getPort() != null ? p.getPort().intValue() : 0;
    int code = r.getRedirectCode() == null || r.getRedirectCode() == 0 ? 301 : r.getRedirectCode().intValue();
    return new RouteActions.Redirect(r.getUri(), r.getAuthority(), r.getScheme(), port, code);
  }

  /**
   * The rewrite, with the authority that {@code headers} set ({@code :authority} or {@code host}) as
   * a host rewrite when {@code rewrite.authority} does not set one: Istio's translation.
   */
  static RouteActions.Rewrite rewrite(HTTPRewrite r, Headers headers) {
    String fromHeaders = authority(headers);
    if (r == null) {
      return fromHeaders.isEmpty() ? null : new RouteActions.Rewrite(null, fromHeaders, null, null);
    }
    var regex = r.getUriRegexRewrite();
    String authority = r.getAuthority() == null || r.getAuthority().isEmpty() ? fromHeaders : r.getAuthority();
    return new RouteActions.Rewrite(r.getUri(), authority, regex == null ? null : regex.getMatch(),
        regex == null ? null : regex.getRewrite());
  }

  /** The authority request headers set: {@code set} over {@code add}; "" when none. */
  static String authority(Headers h) {
    HeadersHeaderOperations request = h == null ? null : h.getRequest();
    if (request == null) {
      return "";
    }
    String set = authority(request.getSet());
    return set.isEmpty() ? authority(request.getAdd()) : set;
  }

  private static String authority(Map<String, String> headers) {
    return new TreeMap<>(headers == null ? Map.<String, String>of() : headers).entrySet().stream()
        .filter(e -> HeaderRules.authority(e.getKey())).map(Map.Entry::getValue).reduce((a, b) -> b).orElse("");
  }

  static RouteActions.DirectResponse directResponse(HTTPDirectResponse d) {
    if (d == null) {
      return null;
    }
    String body = null;
    if (d.getBody() != null) {
      Object specifier = d.getBody().getSpecifier();
      if (specifier instanceof HTTPBodyString s) {
        body = s.getString();
      } else if (specifier instanceof HTTPBodyBytes b && b.getBytes() != null) {
        body = new String(Base64.getDecoder().decode(b.getBytes()), StandardCharsets.UTF_8);
      }
    }
    return new RouteActions.DirectResponse(d.getStatus() == null ? 200 : d.getStatus().intValue(), body);
  }

  static RouteActions.Fault fault(HTTPFaultInjection f) {
    if (f == null) {
      return null;
    }
    Duration delay = null;
    double delayPercent = 0;
    if (f.getDelay() != null) {
      if (f.getDelay().getHttpDelayType() instanceof HTTPFaultInjectionDelayFixedDelay fixed) {
        delay = Durations.parse(fixed.getFixedDelay());
      }
      delayPercent = percent(f.getDelay().getPercentage(), f.getDelay().getPercent());
    }
    int status = 0;
    double abortPercent = 0;
    if (f.getAbort() != null) {
      if (f.getAbort().getErrorType() instanceof HTTPFaultInjectionAbortHttpStatus s
          && s.getHttpStatus() != null) {
        status = s.getHttpStatus();
      }
      abortPercent = percent(f.getAbort().getPercentage(), null);
    }
    return new RouteActions.Fault(delay, delayPercent, status, abortPercent);
  }

  /** Istio: an unset percentage means 100 %. */
  private static double percent(Percent p, Integer legacy) {
    if (p != null && p.getValue() != null) {
      return p.getValue();
    }
    return legacy != null ? legacy : 100;
  }

  static RouteActions.Cors cors(CorsPolicy c,
                                Function<io.fabric8.istio.api.api.networking.v1alpha3.StringMatch,
                                    StringMatch> matches) {
    if (c == null) {
      return null;
    }
    List<StringMatch> origins = new ArrayList<>();
    for (var o : c.getAllowOrigins() == null ? List.<io.fabric8.istio.api.api.networking.v1alpha3.StringMatch>of()
        : c.getAllowOrigins()) {
      StringMatch m = matches.apply(o);
      if (m != null) {
        origins.add(m);
      }
    }
    for (String o : c.getAllowOrigin() == null ? List.<String>of() : c.getAllowOrigin()) {
      origins.add(StringMatch.exact(o));
    }
    return new RouteActions.Cors(origins, orEmpty(c.getAllowMethods()), orEmpty(c.getAllowHeaders()),
        orEmpty(c.getExposeHeaders()), c.getMaxAge() == null ? null : Durations.parse(c.getMaxAge()),
        c.getAllowCredentials());
  }

  private static List<String> orEmpty(List<String> l) {
    return l == null ? List.of() : l;
  }

  static RouteActions.Headers headers(Headers h) {
    if (h == null) {
      return RouteActions.Headers.NONE;
    }
    return new RouteActions.Headers(ops(h.getRequest()), ops(h.getResponse()));
  }

  /** Header operations without {@code :authority} and {@code host}, which become a host rewrite. */
  private static RouteActions.HeaderOps ops(HeadersHeaderOperations o) {
    if (o == null) {
      return RouteActions.HeaderOps.NONE;
    }
    return new RouteActions.HeaderOps(withoutAuthority(o.getSet()), withoutAuthority(o.getAdd()),
        o.getRemove() == null ? List.of() : o.getRemove());
  }

  private static Map<String, String> withoutAuthority(Map<String, String> headers) {
    Map<String, String> out = new TreeMap<>(headers == null ? Map.<String, String>of() : headers);
    out.keySet().removeIf(HeaderRules::authority);
    return out;
  }
}
