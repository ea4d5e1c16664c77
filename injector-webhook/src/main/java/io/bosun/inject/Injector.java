package io.bosun.inject;

import io.bosun.intercept.InterceptionRules;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds the sidecar to a pod: the init container that installs the interception rules, the
 * upstream Envoy as uid 1337 (a native sidecar where the cluster has them), and Istio's labels
 * and annotations. Pure: the same pod, config and cluster version always give the same result.
 */
public final class Injector {
  /** Annotations Istio users already use, honoured the same way. */
  public static final String INCLUDE_OUTBOUND = "traffic.sidecar.istio.io/includeOutboundIPRanges";
  public static final String EXCLUDE_OUTBOUND = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
  public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
  public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
  public static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
  public static final String PROXY_CPU = "sidecar.istio.io/proxyCPU";
  public static final String PROXY_MEMORY = "sidecar.istio.io/proxyMemory";
  public static final String PROXY_CPU_LIMIT = "sidecar.istio.io/proxyCPULimit";
  public static final String PROXY_MEMORY_LIMIT = "sidecar.istio.io/proxyMemoryLimit";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** Istio's volume names: the proxy's service-account token and the mesh roots. */
  static final String TOKEN_VOLUME = "istio-token";
  static final String ROOTS_VOLUME = "istiod-ca-cert";
  /** Where Bosun publishes the mesh roots in every namespace (Istio's name). */
  static final String ROOTS_CONFIGMAP = "istio-ca-root-cert";

  private final InjectionConfig config;
  private final boolean nativeSidecars;

  /** {@code clusterMinor}: the API server's minor version, which decides native sidecars (1.29+). */
  public Injector(InjectionConfig config, int clusterMinor) {
    this.config = config;
    this.nativeSidecars = switch (config.nativeSidecar()) {
      case "true" -> true;
      case "false" -> false;
      default -> clusterMinor >= 29;
    };
  }

  /**
   * The injected copy of {@code pod}. Throws {@link IllegalArgumentException} naming the
   * annotation when one of the pod's traffic annotations is invalid.
   */
  public Pod inject(Pod pod) {
    Pod out = SERIALIZATION.clone(pod);
    ObjectMeta meta = out.getMetadata() == null ? new ObjectMeta() : out.getMetadata();
    out.setMetadata(meta);
    Map<String, String> annotations = meta.getAnnotations() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(meta.getAnnotations());
    Map<String, String> labels = meta.getLabels() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(meta.getLabels());
    PodSpec spec = out.getSpec();

    // a pod's own istio-init / istio-proxy customise the injected ones (never a second copy: finding 17)
    List<Container> userInits = new ArrayList<>(InjectionPolicy.list(spec.getInitContainers()));
    List<Container> userContainers = new ArrayList<>(InjectionPolicy.list(spec.getContainers()));
    Container init = initContainer(annotations);
    Container ownInit = take(userInits, InjectionPolicy.INIT_NAME);
    if (ownInit != null) {
      init = ContainerOverrides.merge(init, ownInit);
    }
    Container proxy = proxyContainer(annotations, labels);
    Container ownProxy = take(userContainers, InjectionPolicy.PROXY_NAME);
    Container ownNativeProxy = take(userInits, InjectionPolicy.PROXY_NAME);
    for (Container own : new Container[] {ownProxy, ownNativeProxy}) {
      if (own != null) {
        proxy = ContainerOverrides.merge(proxy, own);
      }
    }
    List<Container> inits = new ArrayList<>();
    inits.add(init);
    if (nativeSidecars) {
      // the proxy starts before later init containers and app containers, and stops after them
      proxy.setRestartPolicy("Always");
      inits.add(proxy);
    } else {
      proxy.setRestartPolicy(null);
    }
    inits.addAll(userInits);
    spec.setInitContainers(inits);
    List<Container> containers = new ArrayList<>(userContainers);
    if (!nativeSidecars) {
      containers.add(proxy);
    }
    spec.setContainers(containers);
    if (tokenAuth()) {
      // a projected token needs a named service account; "default" is what the API server's
      // ServiceAccount admission would fill in (it runs before webhooks where it is enabled)
      if (spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty()) {
        spec.setServiceAccountName("default");
      }
      List<Volume> volumes = new ArrayList<>(InjectionPolicy.list(spec.getVolumes()));
      volumes.add(new VolumeBuilder().withName(TOKEN_VOLUME).withNewProjected().addNewSource()
          .withNewServiceAccountToken().withAudience(config.tokenAudience()).withExpirationSeconds(43200L)
          .withPath("istio-token").endServiceAccountToken().endSource().endProjected().build());
      volumes.add(new VolumeBuilder().withName(ROOTS_VOLUME).withNewConfigMap().withName(ROOTS_CONFIGMAP)
          .endConfigMap().build());
      spec.setVolumes(volumes);
    }
    if (spec.getTerminationGracePeriodSeconds() == null) {
      spec.setTerminationGracePeriodSeconds(30L);
    }

    labels.putIfAbsent("security.istio.io/tlsMode", "istio");
    labels.putIfAbsent("service.istio.io/canonical-name", labels.getOrDefault("app", canonicalName(meta)));
    labels.putIfAbsent("service.istio.io/canonical-revision", labels.getOrDefault("version", "latest"));
    meta.setLabels(labels);
    annotations.put(InjectionPolicy.STATUS_ANNOTATION, status());
    annotations.putIfAbsent("prometheus.io/scrape", "true");
    annotations.putIfAbsent("prometheus.io/port", Integer.toString(ProxyBootstrap.STATS_PORT));
    annotations.putIfAbsent("prometheus.io/path", "/stats/prometheus");
    meta.setAnnotations(annotations);
    return out;
  }

  private Container initContainer(Map<String, String> annotations) {
    List<String> excludeInbound = new ArrayList<>(InterceptionRules.list(annotations.get(EXCLUDE_INBOUND_PORTS)));
    InterceptionRules rules;
    try {
      rules = new InterceptionRules(config.proxyUid(), config.proxyUid(), 15006, 15001,
          InterceptionRules.list(annotations.getOrDefault(INCLUDE_INBOUND_PORTS, "*")), excludeInbound,
          InterceptionRules.list(annotations.getOrDefault(INCLUDE_OUTBOUND, "*")),
          InterceptionRules.list(annotations.get(EXCLUDE_OUTBOUND)),
          InterceptionRules.list(annotations.get(EXCLUDE_OUTBOUND_PORTS)));
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

  private static void option(List<String> args, String name, List<String> values) {
    if (!values.isEmpty()) {
      args.add(name);
      args.add(String.join(",", values));
    }
  }

  private Container proxyContainer(Map<String, String> annotations, Map<String, String> labels) {
    long uid = config.proxyUid();
    return new ContainerBuilder()
        .withName(InjectionPolicy.PROXY_NAME)
        .withImage(config.proxyImage())
        .withImagePullPolicy(config.imagePullPolicy())
        .withCommand("envoy")
        .withArgs("--config-yaml", ProxyBootstrap.render(config, new TreeMap<>(labels)),
            "--disable-hot-restart", "--log-level", config.logLevel(),
            "--drain-time-s", Integer.toString(config.drainSeconds()), "--drain-strategy", "immediate")
        .withEnv(field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
            field("POD_IP", "status.podIP"), field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            field("INSTANCE_IP", "status.podIP"))
        .withVolumeMounts(tokenAuth() ? List.of(
            mount(TOKEN_VOLUME, ProxyBootstrap.TOKEN_DIR), mount(ROOTS_VOLUME, ProxyBootstrap.ROOTS_DIR)) : List.of())
        .addNewPort().withName("http-envoy-prom").withContainerPort(ProxyBootstrap.STATS_PORT).withProtocol("TCP")
        .endPort()
        .withNewReadinessProbe()
          .withNewHttpGet().withPath("/healthz/ready")
            .withPort(new IntOrString(ProxyBootstrap.READY_PORT)).endHttpGet()
          .withPeriodSeconds(2).withFailureThreshold(30).withTimeoutSeconds(3)
        .endReadinessProbe()
        // on termination: keep serving while endpoints are withdrawn, then Envoy drains on SIGTERM
        .withNewLifecycle().withNewPreStop().withNewSleep().withSeconds((long) config.drainSeconds()).endSleep()
          .endPreStop().endLifecycle()
        .withResources(new ResourceRequirementsBuilder()
            .addToRequests("cpu", new Quantity(annotations.getOrDefault(PROXY_CPU, config.cpuRequest())))
            .addToRequests("memory", new Quantity(annotations.getOrDefault(PROXY_MEMORY, config.memoryRequest())))
            .addToLimits("cpu", new Quantity(annotations.getOrDefault(PROXY_CPU_LIMIT, config.cpuLimit())))
            .addToLimits("memory", new Quantity(annotations.getOrDefault(PROXY_MEMORY_LIMIT, config.memoryLimit())))
            .build())
        .withNewSecurityContext()
          .withRunAsUser(uid).withRunAsGroup(uid).withRunAsNonRoot(true).withPrivileged(false)
          .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
          .withCapabilities(new Capabilities(List.of(), List.of("ALL")))
        .endSecurityContext()
        .build();
  }

  /** Removes and returns the container named {@code name}, or null. */
  private static Container take(List<Container> list, String name) {
    for (int i = 0; i < list.size(); i++) {
      if (name.equals(list.get(i).getName())) {
        return list.remove(i);
      }
    }
    return null;
  }

  private boolean tokenAuth() {
    return config.xdsAuth().equals("token");
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
  }

  private static EnvVar field(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
        .endValueFrom().build();
  }

  private String status() {
    String init = nativeSidecars ? "\"" + InjectionPolicy.INIT_NAME + "\",\"" + InjectionPolicy.PROXY_NAME + "\""
        : "\"" + InjectionPolicy.INIT_NAME + "\"";
    String containers = nativeSidecars ? "" : "\"" + InjectionPolicy.PROXY_NAME + "\"";
    String volumes = tokenAuth() ? "\"" + TOKEN_VOLUME + "\",\"" + ROOTS_VOLUME + "\"" : "";
    return "{\"initContainers\":[" + init + "],\"containers\":[" + containers
        + "],\"volumes\":[" + volumes + "],\"imagePullSecrets\":null,\"revision\":\"default\"}";
  }

  private static String canonicalName(ObjectMeta meta) {
    String name = meta.getName() != null ? meta.getName() : meta.getGenerateName() != null ? meta.getGenerateName()
        : "";
    return name.replaceAll("-+$", "");
  }
}
