package io.bosun.e2e.mesh;

/** Bookinfo's shape as the mesh scenarios deploy it: four services, six app pods and a client. */
final class Bookinfo {
  /** The app pods and the client. */
  static final int PODS = 7;

  private Bookinfo() {
  }

  /** Writes one Deployment: name, app and version labels, and the upstreams the echo app calls. */
  interface Deployments {
    String deployment(String name, String app, String version, String upstreams);
  }

  static String namespaceAndServices() {
    StringBuilder out = new StringBuilder("""
        apiVersion: v1
        kind: Namespace
        metadata: {name: bookinfo, labels: {istio-injection: enabled}}
        """);
    for (String s : new String[] {"productpage", "details", "reviews", "ratings"}) {
      out.append("""
          ---
          apiVersion: v1
          kind: Service
          metadata: {name: %1$s, namespace: bookinfo}
          spec: {selector: {app: %1$s}, ports: [{name: http, port: 9080, targetPort: 9080}]}
          """.formatted(s));
    }
    return out.toString();
  }

  /** Bookinfo's call graph: productpage calls reviews and details, reviews v2 and v3 call ratings. */
  static String deployments(Deployments d) {
    return d.deployment("productpage-v1", "productpage", "v1", "http://reviews:9080/ http://details:9080/")
        + d.deployment("details-v1", "details", "v1", "")
        + d.deployment("reviews-v1", "reviews", "v1", "")
        + d.deployment("reviews-v2", "reviews", "v2", "http://ratings:9080/")
        + d.deployment("reviews-v3", "reviews", "v3", "http://ratings:9080/")
        + d.deployment("ratings-v1", "ratings", "v1", "")
        + d.deployment("client", "client", "v1", "");
  }
}
