package io.bosun.explain;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a matched route does: forward to clusters (with rewrites, timeout, retries), redirect, or answer itself. */
final class RouteActions {
  private static final String FAULT = "envoy.filters.http.fault";

  private RouteActions() {
  }

  record Result(Explanation.Action action, List<Explainer.ClusterWeight> clusters) {
  }

  static Result of(Route route, VirtualHost vhost, ExplainRequest r) {
    List<String> details = new ArrayList<>();
    int faultStatus = fault(route, vhost, details);
    if (route.hasRedirect()) {
      RedirectAction redirect = route.getRedirect();
      int status = redirectStatus(redirect.getResponseCode());
      String summary = "Envoy answers " + status + " redirecting to " + Redirects.location(redirect, r,
          route.getMatch());
      return faultStatus > 0 ? aborted("redirect", faultStatus, summary, details)
          : new Result(new Explanation.Action("redirect", status, summary, details), List.of());
    }
    if (route.hasDirectResponse()) {
      DirectResponseAction d = route.getDirectResponse();
      String body = d.hasBody() ? d.getBody().getInlineString() : "";
      String summary = "Envoy answers " + d.getStatus() + " itself" + (body.isEmpty() ? "" : " with body \"" + body
          + "\"");
      return faultStatus > 0 ? aborted("direct_response", faultStatus, summary, details)
          : new Result(new Explanation.Action("direct_response", d.getStatus(), summary, details), List.of());
    }
    if (!route.hasRoute()) {
      return new Result(new Explanation.Action("none", 0, "the route forwards nothing ("
          + route.getActionCase() + ")", details), List.of());
    }
    RouteAction a = route.getRoute();
    rewrites(a, details);
    List<Explainer.ClusterWeight> clusters = new ArrayList<>();
    String kind;
    String summary;
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER -> {
        kind = "cluster";
        clusters.add(new Explainer.ClusterWeight(a.getCluster(), 100));
        summary = "forward to cluster " + a.getCluster();
      }
      case WEIGHTED_CLUSTERS -> {
        kind = "weighted_clusters";
        WeightedCluster wc = a.getWeightedClusters();
        int total = wc.getClustersList().stream().mapToInt(c -> c.getWeight().getValue()).sum();
        List<String> parts = new ArrayList<>();
        for (WeightedCluster.ClusterWeight c : wc.getClustersList()) {
          int percent = total == 0 ? 0 : Math.round(100f * c.getWeight().getValue() / total);
          clusters.add(new Explainer.ClusterWeight(c.getName(), percent));
          parts.add(c.getName() + " " + percent + "%");
          if (!c.getHostRewriteLiteral().isEmpty()) {
            details.add("Host rewritten to " + c.getHostRewriteLiteral() + " for " + c.getName());
          }
        }
        summary = "forward by weight: " + String.join(", ", parts);
      }
      case CLUSTER_HEADER -> {
        kind = "cluster_header";
        String name = r.header(a.getClusterHeader()).orElse("");
        if (!name.isEmpty()) {
          clusters.add(new Explainer.ClusterWeight(name, 100));
        }
        summary = name.isEmpty() ? "the cluster is named by header " + a.getClusterHeader()
            + ", which the request lacks: Envoy answers 404" : "forward to cluster " + name + " (header "
            + a.getClusterHeader() + ")";
      }
      default -> {
        kind = a.getClusterSpecifierCase().toString().toLowerCase();
        summary = "the cluster is chosen by " + kind + ", which explain does not evaluate";
      }
    }
    if (faultStatus > 0) {
      summary = "Envoy answers " + faultStatus + " itself (fault injection, every request); otherwise: " + summary;
    }
    return new Result(new Explanation.Action(kind, faultStatus, summary, details), clusters);
  }

  /** The fault filter runs before the router: its abort answers first. */
  private static Result aborted(String kind, int status, String otherwise, List<String> details) {
    return new Result(new Explanation.Action(kind, status, "Envoy answers " + status
        + " itself (fault injection, every request); otherwise: " + otherwise, details), List.of());
  }

  private static void rewrites(RouteAction a, List<String> details) {
    if (!a.getPrefixRewrite().isEmpty()) {
      details.add("path prefix rewritten to " + a.getPrefixRewrite());
    }
    if (a.hasRegexRewrite()) {
      details.add("path rewritten by regex " + a.getRegexRewrite().getPattern().getRegex() + " to "
          + a.getRegexRewrite().getSubstitution());
    }
    if (!a.getHostRewriteLiteral().isEmpty()) {
      details.add("Host rewritten to " + a.getHostRewriteLiteral());
    }
    if (a.hasTimeout()) {
      Duration t = a.getTimeout();
      details.add(t.getSeconds() == 0 && t.getNanos() == 0 ? "no timeout" : "timeout " + seconds(t));
    }
    if (a.hasRetryPolicy()) {
      details.add("retries: " + a.getRetryPolicy().getNumRetries().getValue() + " on "
          + a.getRetryPolicy().getRetryOn());
    }
    a.getRequestMirrorPoliciesList().forEach(m -> details.add("mirrored to " + m.getCluster()
        + (m.hasRuntimeFraction() ? " (" + percent(m.getRuntimeFraction().getDefaultValue()) + ")" : "")));
  }

  /** A fault that aborts every request makes Envoy answer itself: its status, else 0. */
  private static int fault(Route route, VirtualHost vhost, List<String> details) {
    Map<String, Any> configs = route.getTypedPerFilterConfigMap().containsKey(FAULT)
        ? route.getTypedPerFilterConfigMap() : vhost.getTypedPerFilterConfigMap();
    Any any = configs.get(FAULT);
    if (any == null || !any.is(HTTPFault.class)) {
      return 0;
    }
    HTTPFault fault = Explainer.unpack(any, HTTPFault.class);
    if (fault.hasDelay()) {
      details.add("fault: delay " + seconds(fault.getDelay().getFixedDelay()) + " for "
          + percent(fault.getDelay().getPercentage()));
    }
    if (fault.hasAbort()) {
      int status = fault.getAbort().getHttpStatus();
      String what = status > 0 ? "HTTP " + status : "gRPC " + fault.getAbort().getGrpcStatus();
      details.add("fault: abort with " + what + " for " + percent(fault.getAbort().getPercentage()));
      FractionalPercent p = fault.getAbort().getPercentage();
      // an abort without a percentage aborts nothing (Envoy's default is 0%)
      boolean always = fault.getAbort().hasPercentage() && p.getNumerator() >= denominator(p);
      return always ? status : 0;
    }
    return 0;
  }

  private static long denominator(FractionalPercent p) {
    return switch (p.getDenominator()) {
      case HUNDRED -> 100;
      case TEN_THOUSAND -> 10_000;
      case MILLION -> 1_000_000;
      default -> 100;
    };
  }

  private static String percent(FractionalPercent p) {
    return (100.0 * p.getNumerator() / denominator(p)) + "% of requests";
  }

  private static String seconds(Duration d) {
    return (d.getSeconds() + d.getNanos() / 1e9) + "s";
  }

  static int redirectStatus(RedirectAction.RedirectResponseCode code) {
    return switch (code) {
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      default -> 301;
    };
  }
}
