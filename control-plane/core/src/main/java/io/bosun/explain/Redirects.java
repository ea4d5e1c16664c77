package io.bosun.explain;

import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;

/** The Location of an Envoy redirect. */
final class Redirects {
  private Redirects() {
  }

  static String location(RedirectAction a, ExplainRequest r, RouteMatch matched) {
    String scheme = a.getHttpsRedirect() ? "https" : !a.getSchemeRedirect().isEmpty() ? a.getSchemeRedirect()
        : r.scheme();
    String authority = r.authority();
    int colon = authority.lastIndexOf(':');
    boolean hasPort = colon > authority.lastIndexOf(']') && colon > 0;
    String host = hasPort ? authority.substring(0, colon) : authority;
    String port = hasPort ? authority.substring(colon) : "";
    if (!a.getHostRedirect().isEmpty()) {
      host = a.getHostRedirect();
    }
    if (a.getPortRedirect() != 0) {
      port = ":" + a.getPortRedirect();
    } else if (a.getHttpsRedirect() || !a.getSchemeRedirect().isEmpty()) {
      port = ""; // a scheme change drops the old default port
    }
    String path = r.path();
    String query = r.query().isEmpty() ? "" : "?" + r.query();
    String prefix = matched.hasPrefix() ? matched.getPrefix() : matched.hasPathSeparatedPrefix()
        ? matched.getPathSeparatedPrefix() : matched.hasPath() ? matched.getPath() : null;
    if (!a.getPathRedirect().isEmpty()) {
      path = a.getPathRedirect().contains("?") ? a.getPathRedirect() : a.getPathRedirect() + query;
    } else if (!a.getPrefixRewrite().isEmpty() && prefix != null && r.path().length() >= prefix.length()) {
      path = a.getPrefixRewrite() + r.path().substring(prefix.length()); // the matched prefix is replaced
    }
    if (a.getStripQuery()) {
      int q = path.indexOf('?');
      path = q < 0 ? path : path.substring(0, q);
    }
    return scheme + "://" + host + port + path;
  }
}
