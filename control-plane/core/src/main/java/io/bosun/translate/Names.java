package io.bosun.translate;

/** Envoy resource names, exactly as Istio spells them so istioctl-trained eyes can read them. */
public final class Names {
  public static final String BLACKHOLE_CLUSTER = "BlackHoleCluster";
  public static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";
  public static final String INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";
  public static final String VIRTUAL_OUTBOUND = "virtualOutbound";
  public static final String VIRTUAL_INBOUND = "virtualInbound";
  public static final int VIRTUAL_OUTBOUND_PORT = 15001;
  public static final int VIRTUAL_INBOUND_PORT = 15006;
  public static final String ALLOW_ANY_VHOST = "allow_any";
  public static final String BLOCK_ALL_VHOST = "block_all";
  public static final String WILDCARD_ADDRESS = "0.0.0.0";
  /** The SDS secrets of a workload's certificate and of the mesh's roots (Istio's names). */
  public static final String SDS_WORKLOAD_CERT = "default";
  public static final String SDS_ROOT_CA = "ROOTCA";

  private Names() {
  }

  /** A sidecar's own capture ports: services on them get no outbound listener or route table. */
  public static boolean isCapturePort(int port) {
    return port == VIRTUAL_OUTBOUND_PORT || port == VIRTUAL_INBOUND_PORT;
  }

  /** {@code outbound|9080|v1|reviews.default.svc.cluster.local}; the subset may be empty. */
  public static String outboundCluster(int port, String subset, String host) {
    return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
  }

  /** {@code outbound_.9080_.v1_.reviews.default.svc.cluster.local}: the SNI of mutual TLS to a cluster. */
  public static String meshSni(int port, String subset, String host) {
    return "outbound_." + port + "_." + (subset == null ? "" : subset) + "_." + host;
  }

  /** {@code inbound|9080||}: the app's own port behind this sidecar. */
  public static String inboundCluster(int port) {
    return "inbound|" + port + "||";
  }

  /** {@code 0.0.0.0_9080} or {@code 10.0.0.1_3306}. */
  public static String listener(String address, int port) {
    return address + "_" + port;
  }

  /** A sidecar's outbound HTTP route table for one port: {@code "9080"}. */
  public static String sidecarRoute(int port) {
    return Integer.toString(port);
  }

  /** A gateway's route table for its plain-HTTP servers on one port: {@code http.80}. */
  public static String gatewayHttpRoute(int port) {
    return "http." + port;
  }

  public static String virtualHost(String host, int port) {
    return host + ":" + port;
  }
}
