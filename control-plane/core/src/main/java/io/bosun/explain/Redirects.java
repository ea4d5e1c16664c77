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
    String port = a.getPortRedirect() != 0 ? ":" + a.getPortRedirect() : "";
    String host;
    if (!a.getHostRedirect().isEmpty()) {
      host = a.getHostRedirect(); // the request's port goes with its host
    } else {
      host = r.authority();
      int colon = host.lastIndexOf(':');
      if (colon > host.lastIndexOf(']') && colon > 0) {
        String requestPort = host.substring(colon);
        // a new port replaces it; a switch of scheme drops the old scheme's standard port
        boolean drop = !port.isEmpty() || requestPort.equals(":80") && scheme.equals("https")
            || requestPort.equals(":443") && scheme.equals("http");
        if (drop) {
          host = host.substring(0, colon);
        }
      }
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
    if (a.getStripQuery() && !a.getPathRedirect().contains("?")) {
      int q = path.indexOf('?');
      path = q < 0 ? path : path.substring(0, q);
    }
    return scheme + "://" + host + port + path;
  }
}
