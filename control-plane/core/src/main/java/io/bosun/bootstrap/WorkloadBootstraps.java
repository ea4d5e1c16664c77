package io.bosun.bootstrap;

import io.bosun.model.WorkloadEntry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a VM's Envoy needs to join the mesh as a member of a WorkloadGroup: its WorkloadEntry
 * (the group's template with the VM's name and address) and a bootstrap that identifies it as
 * Istio's sidecars are ({@code sidecar~<ip>~<name>.<ns>~<ns>.svc.<domain>}, namespace, service
 * account, labels) and reaches Bosun over TLS with a service-account token, as injected sidecars do.
 */
public final class WorkloadBootstraps {
  public static final String TOKEN_FILE = "istio-token";
  public static final String ROOTS_FILE = "root-cert.pem";
  static final int ADMIN_PORT = 15000;

  private WorkloadBootstraps() {
  }

  /**
   * The bootstrap of the VM's proxy.
   *
   * @param bosun      Bosun's TLS xDS address, {@code host:port}
   * @param installDir where the token and the mesh roots will be on the VM
   */
  public static Bootstrap bootstrap(WorkloadEntry entry, String bosun, String installDir, String clusterDomain) {
    String ns = entry.ref().namespace();
    String name = entry.ref().name();
    Map<String, String> metadata = new TreeMap<>();
    metadata.put("NAMESPACE", ns);
    metadata.put("INSTANCE_IPS", entry.address());
    metadata.put("SERVICE_ACCOUNT", entry.serviceAccount());
    metadata.put("WORKLOAD_NAME", name);
    String dir = installDir.endsWith("/") ? installDir : installDir + "/";
    return Bootstrap.newBuilder()
        .setNode(EnvoyBootstraps.node("sidecar~" + entry.address() + "~" + name + "." + ns + "~" + ns + ".svc."
            + clusterDomain, entry.labels().getOrDefault("app", name), metadata, entry.labels()))
        .setDynamicResources(EnvoyBootstraps.ads(EnvoyBootstraps.tokenGrpc(bosun, dir + TOKEN_FILE,
            dir + ROOTS_FILE), false, null))
        .setAdmin(EnvoyBootstraps.admin(ADMIN_PORT))
        .build();
  }
}
