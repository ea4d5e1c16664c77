package io.bosun.monitoring;

import io.bosun.bootstrap.EnvoyBootstraps;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** What this Bosun is: its version and, in a cluster, which replica. */
public final class BuildInfo {
  private BuildInfo() {
  }

  /** Bosun's version, as its jars say ("dev" when run from classes); the one its bootstraps give proxies. */
  public static String version() {
    return EnvoyBootstraps.version();
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
