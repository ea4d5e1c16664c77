package io.bosun.testing;

/** The mesh a test pod (see {@link PodNetns}) lives in: the services its sidecar tests share. */
public final class PodMesh {
  private PodMesh() {
  }

  /**
   * ServiceEntries for {@code reviews} (VIP {@code vip}:9080, served on the host side at
   * {@code hostIp:reviewsPort}) and for the pod's own {@code app} on {@code podIp}:8080.
   */
  public static String reviewsAndApp(String vip, String hostIp, int reviewsPort, String podIp) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          addresses: [%s]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 9080, protocol: HTTP}]
          endpoints: [{address: %s, ports: {http: %d}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: app}
        spec:
          hosts: [app.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 8080, protocol: HTTP}]
          endpoints: [{address: %s, ports: {http: 8080}}]
        ---
        """.formatted(vip, hostIp, reviewsPort, podIp);
  }
}
