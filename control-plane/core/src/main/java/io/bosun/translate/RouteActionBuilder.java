package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bosun.model.RouteActions;
import io.bosun.model.StringMatch;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Istio's per-route actions (timeout, retries, redirect, rewrite, direct response, headers) as Envoy sees them. */
final class RouteActionBuilder {
  /** Istio's retry policy when a route sets none. */
  static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  static final int DEFAULT_RETRY_ATTEMPTS = 2;

  private RouteActionBuilder() {
  }

  /** Timeout (none unless set: Istio disables Envoy's 15 s default), retries and rewrite. */
  static RouteAction.Builder withPolicies(RouteAction.Builder a, java.time.Duration timeout, RouteActions.Retry retries,
                                          RouteActions.Rewrite rewrite) {
    a.setTimeout(timeout == null ? Protos.seconds(0) : duration(timeout));
    RetryPolicy retry = retryPolicy(retries);
    if (retry != null) {
      a.setRetryPolicy(retry);
    }
    if (rewrite != null) {
      if (rewrite.uri() != null && !rewrite.uri().isEmpty()) {
        a.setPrefixRewrite(rewrite.uri());
      }
      if (rewrite.regex() != null && !rewrite.regex().isEmpty()) {
        a.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
            .setPattern(RegexMatcher.newBuilder().setRegex(rewrite.regex()))
            .setSubstitution(rewrite.substitution() == null ? "" : rewrite.substitution()));
      }
      if (rewrite.authority() != null && !rewrite.authority().isEmpty()) {
        a.setHostRewriteLiteral(rewrite.authority());
      }
    }
    return a;
  }

  /** Null when retries are off ({@code attempts: 0}). */
  static RetryPolicy retryPolicy(RouteActions.Retry retries) {
    if (retries != null && retries.attempts() <= 0) {
      return null;
    }
    List<String> on = new ArrayList<>();
    List<Integer> codes = new ArrayList<>();
    if (retries == null || retries.retryOn().isBlank()) {
      on.add(DEFAULT_RETRY_ON);
      codes.add(503);
    } else {
      for (String token : retries.retryOn().split(",")) {
        String t = token.trim();
        if (t.matches("[0-9]+")) {
          codes.add(Integer.parseInt(t));
        } else if (!t.isEmpty()) {
          on.add(t);
        }
      }
      if (!codes.isEmpty() && !on.contains("retriable-status-codes")) {
        on.add("retriable-status-codes");
      }
    }
    RetryPolicy.Builder b = RetryPolicy.newBuilder()
        .setRetryOn(String.join(",", on))
        .setNumRetries(UInt32Value.of(retries == null ? DEFAULT_RETRY_ATTEMPTS : retries.attempts()))
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5)
        .addAllRetriableStatusCodes(codes);
    if (retries != null && retries.perTryTimeout() != null) {
      b.setPerTryTimeout(duration(retries.perTryTimeout()));
    }
    return b.build();
  }

  static RedirectAction redirect(RouteActions.Redirect r) {
    RedirectAction.Builder b = RedirectAction.newBuilder().setResponseCode(switch (r.code()) {
      case 302 -> RedirectAction.RedirectResponseCode.FOUND;
      case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
      case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
      case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
      default -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
    });
    if (r.uri() != null && !r.uri().isEmpty()) {
      b.setPathRedirect(r.uri());
    }
    if (r.authority() != null && !r.authority().isEmpty()) {
      b.setHostRedirect(r.authority());
    }
    if (r.scheme() != null && !r.scheme().isEmpty()) {
      b.setSchemeRedirect(r.scheme());
    }
    if (r.port() > 0) {
      b.setPortRedirect(r.port());
    }
    return b.build();
  }

  static DirectResponseAction directResponse(RouteActions.DirectResponse d) {
    DirectResponseAction.Builder b = DirectResponseAction.newBuilder().setStatus(d.status());
    if (d.body() != null) {
      b.setBody(DataSource.newBuilder().setInlineString(d.body()));
    }
    return b.build();
  }

  /** Route-level header operations: the route's own, then a single destination's. */
  static void headers(Route.Builder route, RouteActions.Headers... all) {
    for (RouteActions.Headers h : all) {
      route.addAllRequestHeadersToAdd(options(h.request()));
      route.addAllRequestHeadersToRemove(h.request().remove());
      route.addAllResponseHeadersToAdd(options(h.response()));
      route.addAllResponseHeadersToRemove(h.response().remove());
    }
  }

  /** set overwrites, add appends; sorted so output is deterministic. */
  static List<HeaderValueOption> options(RouteActions.HeaderOps ops) {
    List<HeaderValueOption> out = new ArrayList<>();
    add(out, ops.set(), HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    add(out, ops.add(), HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
    return out;
  }

  private static void add(List<HeaderValueOption> out, Map<String, String> headers,
                          HeaderValueOption.HeaderAppendAction action) {
    new TreeMap<>(headers).forEach((k, v) -> out.add(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(k).setValue(v))
        .setAppendAction(action)
        .build()));
  }

  static final String FAULT_FILTER = "envoy.filters.http.fault";
  static final String CORS_FILTER = "envoy.filters.http.cors";

  /** Per-route fault injection and CORS, read by the fault and CORS filters every HTTP listener has. */
  static void filterConfigs(Route.Builder route, RouteActions.Fault fault, RouteActions.Cors cors) {
    if (fault != null) {
      HTTPFault.Builder f =
          HTTPFault.newBuilder();
      if (fault.delay() != null) {
        f.setDelay(FaultDelay.newBuilder()
            .setFixedDelay(duration(fault.delay()))
            .setPercentage(fraction(fault.delayPercent())));
      }
      if (fault.abortStatus() > 0) {
        f.setAbort(FaultAbort.newBuilder()
            .setHttpStatus(fault.abortStatus())
            .setPercentage(fraction(fault.abortPercent())));
      }
      route.putTypedPerFilterConfig(FAULT_FILTER, Any.pack(f.build()));
    }
    if (cors != null) {
      CorsPolicy.Builder c =
          CorsPolicy.newBuilder()
              .setAllowMethods(String.join(",", cors.allowMethods()))
              .setAllowHeaders(String.join(",", cors.allowHeaders()))
              .setExposeHeaders(String.join(",", cors.exposeHeaders()));
      for (StringMatch o : cors.allowOrigins()) {
        c.addAllowOriginStringMatch(HttpRoutes.stringMatcher(o));
      }
      if (cors.maxAge() != null) {
        c.setMaxAge(Long.toString(cors.maxAge().getSeconds()));
      }
      if (cors.allowCredentials() != null) {
        c.setAllowCredentials(BoolValue.of(cors.allowCredentials()));
      }
      route.putTypedPerFilterConfig(CORS_FILTER, Any.pack(c.build()));
    }
  }

  /** Istio's percentages as Envoy's fraction of a million. */
  static FractionalPercent fraction(double percent) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(percent * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  static RouteAction.RequestMirrorPolicy mirror(String cluster, double percent) {
    return RouteAction.RequestMirrorPolicy.newBuilder()
        .setCluster(cluster)
        .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(fraction(percent)))
        .build();
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
