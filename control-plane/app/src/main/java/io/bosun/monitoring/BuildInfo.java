package io.bosun.monitoring;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** What this Bosun is: its version and, in a cluster, which replica. */
public final class BuildInfo {
  private BuildInfo() {
  }

  /** Bosun's version, as its jar says ("dev" when run from classes). */
  public static String version() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The pod's name in Kubernetes (the chart sets POD_NAME), else the host's name. */
  public static String replica() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "bosun";
    }
  }
}
