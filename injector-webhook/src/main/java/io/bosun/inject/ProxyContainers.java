package io.bosun.inject;

import io.bosun.inject.AppProbes.AppProbe;
import io.bosun.intercept.InterceptionRules;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The two containers injection adds: {@code istio-init} (interception) and {@code istio-proxy} (Envoy). */
final class ProxyContainers {
  static final String TOKEN_VOLUME = "istio-token";
  static final String ROOTS_VOLUME = "istiod-ca-cert";
  /** Node metadata the pod's {@code proxyMetadata} may not replace. */
  private static final String META_PREFIX = "ISTIO_META_";
  /**
   * holdApplicationUntilProxyStarts without native sidecars: the proxy's postStart waits (at most two
   * minutes) until Envoy is ready, and the kubelet starts the next container only then. Bash only, since
   * the Envoy image has no agent to ask.
   */
  static final String WAIT_READY = "until (exec 3<>/dev/tcp/127.0.0.1/" + ProxyBootstrap.READY_PORT
      + " && printf 'GET /healthz/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3"
      + " && read -r status <&3 && [[ $status == *' 200 '* ]]) 2>/dev/null;"
      + " do [ \"$SECONDS\" -ge 120 ] && exit 1; sleep 1; done";

  private final InjectionConfig config;

  ProxyContainers(InjectionConfig config) {
    this.config = config;
  }

  /** {@code istio-init}: {@code bosun intercept} with the pod's traffic annotations, for a proxy running as uid/gid. */
  Container init(Map<String, String> annotations, int statusPort, long uid, long gid) {
    List<String> excludeInbound = new ArrayList<>(InterceptionRules.list(
        annotations.get(Injector.EXCLUDE_INBOUND_PORTS)));
    String status = Integer.toString(statusPort);
    if (statusPort != 0 && !InterceptionRules.PROXY_PORTS.contains(status) && !excludeInbound.contains(status)) {
      // the status port answers the kubelet itself: never captured, as in Istio
      excludeInbound.add(status);
    }
    InterceptionRules rules;
    try {
      rules = new InterceptionRules((int) uid, (int) gid, 15006, 15001,
          InterceptionRules.list(annotations.getOrDefault(Injector.INCLUDE_INBOUND_PORTS, "*")), excludeInbound,
          InterceptionRules.list(annotations.getOrDefault(Injector.INCLUDE_OUTBOUND, "*")),
          InterceptionRules.list(annotations.get(Injector.EXCLUDE_OUTBOUND)),
          InterceptionRules.list(annotations.get(Injector.EXCLUDE_OUTBOUND_PORTS)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metadata.annotations: " + e.getMessage());
    }
    List<String> args = new ArrayList<>(List.of("intercept",
        "--proxy-uid", Integer.toString(rules.proxyUid()), "--proxy-gid", Integer.toString(rules.proxyGid()),
        "--inbound-capture-port", "15006", "--outbound-capture-port", "15001",
        "--include-inbound-ports", String.join(",", rules.includeInboundPorts()),
        "--include-outbound-ip-ranges", String.join(",", rules.includeOutboundRanges())));
    option(args, "--exclude-inbound-ports", rules.excludeInboundPorts());
    option(args, "--exclude-outbound-ip-ranges", rules.excludeOutboundRanges());
    option(args, "--exclude-outbound-ports", rules.excludeOutboundPorts());
    return new ContainerBuilder()
        .withName(InjectionPolicy.INIT_NAME)
        .withImage(config.initImage())
        .withImagePullPolicy(config.imagePullPolicy())
        .withCommand("bosun")
        .withArgs(args)
        .withNewResources()
          .addToRequests("cpu", new Quantity("10m")).addToRequests("memory", new Quantity("40Mi"))
          .addToLimits("cpu", new Quantity("2")).addToLimits("memory", new Quantity("1Gi"))
        .endResources()
        // the interception rules need NET_ADMIN and NET_RAW, and root to use them; nothing more
        .withNewSecurityContext()
          .withRunAsUser(0L).withRunAsGroup(0L).withRunAsNonRoot(false).withPrivileged(false)
          .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
          .withCapabilities(new Capabilities(List.of("NET_ADMIN", "NET_RAW"), List.of("ALL")))
        .endSecurityContext()
        .build();
  }

  /**
   * {@code istio-proxy}: the upstream Envoy with its bootstrap inline. {@code gateway}: a router (no
   * interception metadata); {@code holdHook}: the postStart wait for holdApplicationUntilProxyStarts.
   */
  Container proxy(Map<String, String> annotations, Map<String, String> labels, PodSettings s, List<AppProbe> probes,
                  boolean gateway, boolean holdHook) {
    ProxyConfigAnnotation pc = s.proxyConfig();
    Map<String, String> metadata = new TreeMap<>();
    pc.metadata().forEach((k, v) -> {
      if (k.startsWith(META_PREFIX) && k.length() > META_PREFIX.length()) {
        // what pilot-agent does with ISTIO_META_* in its environment
        metadata.put(k.substring(META_PREFIX.length()), v);
      }
    });
    if (!gateway) {
      metadata.put("INTERCEPTION_MODE", s.intercept() ? "REDIRECT" : "NONE");
    }
    String bootstrap = ProxyBootstrap.render(config, new TreeMap<>(labels), new ProxyBootstrap.Shape(
        gateway ? "router" : "sidecar", s.statusPort(), probes, metadata));
    int drain = pc.drainSeconds() != null ? pc.drainSeconds() : config.drainSeconds();
    int terminationDrain = pc.terminationDrainSeconds() != null ? pc.terminationDrainSeconds() : config.drainSeconds();
    List<String> args = new ArrayList<>(List.of("--config-yaml", bootstrap, "--disable-hot-restart",
        "--log-level", config.logLevel(), "--drain-time-s", Integer.toString(drain), "--drain-strategy", "immediate"));
    if (pc.concurrency() == null) {
      // Istio's default: as many workers as the CPU limit allows (the node's cores when there is none)
      args.addAll(List.of("--concurrency", "$(ISTIO_CPU_LIMIT)"));
    } else if (pc.concurrency() > 0) {
      args.addAll(List.of("--concurrency", Integer.toString(pc.concurrency())));
    }
    List<EnvVar> env = new ArrayList<>(List.of(field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"), field("POD_IP", "status.podIP"),
        field("SERVICE_ACCOUNT", "spec.serviceAccountName"), field("INSTANCE_IP", "status.podIP"),
        new EnvVarBuilder().withName("ISTIO_CPU_LIMIT").withNewValueFrom().withNewResourceFieldRef()
            .withResource("limits.cpu").withDivisor(new Quantity("1")).endResourceFieldRef().endValueFrom().build()));
    pc.metadata().forEach((k, v) -> env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
    if (!probes.isEmpty()) {
      env.add(new EnvVarBuilder().withName(AppProbes.ENV).withValue(AppProbes.json(probes)).build());
    }
    long uid = config.proxyUid();
    ContainerBuilder b = new ContainerBuilder()
        .withName(InjectionPolicy.PROXY_NAME)
        .withImage(config.proxyImage())
        .withImagePullPolicy(config.imagePullPolicy())
        .withCommand("envoy")
        .withArgs(args)
        .withEnv(env)
        .withVolumeMounts(tokenAuth() ? List.of(mount(TOKEN_VOLUME, ProxyBootstrap.TOKEN_DIR),
            mount(ROOTS_VOLUME, ProxyBootstrap.ROOTS_DIR)) : List.of())
        .addNewPort().withName("http-envoy-prom").withContainerPort(ProxyBootstrap.STATS_PORT).withProtocol("TCP")
        .endPort();
    if (s.statusPort() != 0) {
      // as Istio: no status port, no proxy probes
      b.withNewReadinessProbe()
            .withNewHttpGet().withPath("/healthz/ready").withPort(new IntOrString(ProxyBootstrap.READY_PORT))
            .endHttpGet()
            .withPeriodSeconds(2).withFailureThreshold(30).withTimeoutSeconds(3)
          .endReadinessProbe()
          // a native sidecar's startup probe holds the app containers until Envoy has its config
          .withNewStartupProbe()
            .withNewHttpGet().withPath("/healthz/ready").withPort(new IntOrString(ProxyBootstrap.READY_PORT))
            .endHttpGet()
            .withPeriodSeconds(1).withFailureThreshold(600).withTimeoutSeconds(3)
          .endStartupProbe();
    }
    // on termination: keep serving while endpoints are withdrawn, then Envoy drains on SIGTERM
    b.withNewLifecycle().withNewPreStop().withNewSleep().withSeconds((long) terminationDrain).endSleep()
        .endPreStop().endLifecycle();
    if (holdHook) {
      b.editLifecycle().withNewPostStart().withNewExec().withCommand("/bin/bash", "-c", WAIT_READY).endExec()
          .endPostStart().endLifecycle();
    }
    return b.withResources(ProxyResources.requested(annotations, config))
        .withNewSecurityContext()
          .withRunAsUser(uid).withRunAsGroup(uid).withRunAsNonRoot(true).withPrivileged(false)
          .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
          .withCapabilities(new Capabilities(List.of(), List.of("ALL")))
        .endSecurityContext()
        .build();
  }

  boolean tokenAuth() {
    return config.xdsAuth().equals("token");
  }

  private static void option(List<String> args, String name, List<String> values) {
    if (!values.isEmpty()) {
      args.add(name);
      args.add(String.join(",", values));
    }
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
  }

  private static EnvVar field(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
        .endValueFrom().build();
  }
}
