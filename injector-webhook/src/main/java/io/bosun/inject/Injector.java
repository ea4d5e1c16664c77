package io.bosun.inject;

import io.bosun.inject.AppProbes.AppProbe;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Adds the proxy to a pod, as Istio's injection templates do. The {@code sidecar} template (the
 * default): the init container that installs the interception rules, the upstream Envoy as uid 1337 (a
 * native sidecar where the cluster has them) and Istio's labels and annotations. The {@code gateway}
 * template ({@code inject.istio.io/templates: gateway}, as Istio's gateway chart asks): Envoy as a
 * router, no interception, the pod's own {@code istio-proxy} (with {@code image: auto}) merged. Pure:
 * the same pod, config and cluster version always give the same result.
 */
public final class Injector {
  /** Annotations Istio users already use, honoured the same way. */
  public static final String INCLUDE_OUTBOUND = "traffic.sidecar.istio.io/includeOutboundIPRanges";
  public static final String EXCLUDE_OUTBOUND = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
  public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
  public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
  public static final String EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  /** Where Bosun publishes the mesh roots in every namespace (Istio's name). */
  static final String ROOTS_CONFIGMAP = "istio-ca-root-cert";
  /** Lets the gateway's Envoy, not root, bind ports below 1024 (Istio's gateway template sets it too). */
  private static final String LOW_PORTS_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

  private final InjectionConfig config;
  private final ProxyContainers containers;
  private final boolean nativeSidecars;

  /** {@code clusterMinor}: the API server's minor version, which decides native sidecars (1.29+). */
  public Injector(InjectionConfig config, int clusterMinor) {
    this.config = config;
    this.containers = new ProxyContainers(config);
    this.nativeSidecars = switch (config.nativeSidecar()) {
      case "true" -> true;
      case "false" -> false;
      default -> clusterMinor >= 29;
    };
  }

  /**
   * The injected copy of {@code pod}, or {@code pod} itself when it asks for a template Bosun does not
   * offer. Throws {@link IllegalArgumentException} naming the annotation when one of the pod's
   * annotations is invalid.
   */
  public Pod inject(Pod pod) {
    return apply(pod).pod();
  }

  /** Like {@link #inject(Pod)}, with whether the proxy was added and the warnings for the pod's author. */
  public Injection apply(Pod pod) {
    Map<String, String> given = pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null ? Map.of()
        : pod.getMetadata().getAnnotations();
    PodSettings s = PodSettings.of(given);
    if (s.skip() != null) {
      return new Injection(pod, false, s.warnings());
    }
    Pod out = SERIALIZATION.clone(pod);
    ObjectMeta meta = out.getMetadata() == null ? new ObjectMeta() : out.getMetadata();
    out.setMetadata(meta);
    Map<String, String> annotations = new LinkedHashMap<>(given);
    Map<String, String> labels = meta.getLabels() == null ? new LinkedHashMap<>()
        : new LinkedHashMap<>(meta.getLabels());
    PodSpec spec = out.getSpec();
    boolean gateway = s.template() == PodSettings.Template.GATEWAY;
    boolean nativeSidecar = !gateway && (s.nativeSidecar() != null ? s.nativeSidecar() : nativeSidecars);
    boolean intercept = !gateway && s.intercept();
    boolean holdHook = !gateway && !nativeSidecar && s.proxyConfig().holdApplication();

    // a pod's own istio-init / istio-proxy customise the injected ones (never a second copy: finding 17)
    List<Container> userInits = new ArrayList<>(InjectionPolicy.list(spec.getInitContainers()));
    List<Container> userContainers = new ArrayList<>(InjectionPolicy.list(spec.getContainers()));
    Container ownInit = intercept ? take(userInits, InjectionPolicy.INIT_NAME) : null;
    List<Container> own = new ArrayList<>();
    for (List<Container> list : List.of(userContainers, userInits)) {
      Container c = take(list, InjectionPolicy.PROXY_NAME);
      if (c != null) {
        own.add(c);
      }
    }
    List<AppProbe> probes = new ArrayList<>();
    if (s.rewriteProbes() && s.statusPort() != 0) {
      probes.addAll(AppProbes.rewrite(userInits, s.statusPort()));
      probes.addAll(AppProbes.rewrite(userContainers, s.statusPort()));
    }
    Container proxy = containers.proxy(annotations, labels, s, probes, gateway, holdHook);
    for (Container c : own) {
      proxy = ContainerOverrides.merge(proxy, c);
    }
    ProxyResources.settle(proxy, own.isEmpty() ? null : own.get(own.size() - 1), annotations);
    withinGracePeriod(proxy, spec.getTerminationGracePeriodSeconds());
    Container init = null;
    if (intercept) {
      // the rules exempt the proxy's own traffic, so they follow the uid/gid the pod runs it as (as Istio does)
      SecurityContext sc = proxy.getSecurityContext();
      long uid = sc != null && sc.getRunAsUser() != null && sc.getRunAsUser() != 0 ? sc.getRunAsUser()
          : config.proxyUid();
      long gid = sc != null && sc.getRunAsGroup() != null && sc.getRunAsGroup() != 0 ? sc.getRunAsGroup() : uid;
      init = containers.init(annotations, s.statusPort(), uid, gid);
      if (ownInit != null) {
        init = ContainerOverrides.merge(init, ownInit);
      }
    }

    List<Container> inits = new ArrayList<>();
    List<Container> injectedInits = new ArrayList<>();
    if (nativeSidecar) {
      // interception first, then the proxy (which starts before later init containers and app containers
      // and stops after them), then the pod's own init containers, inside the mesh
      if (init != null) {
        injectedInits.add(init);
      }
      proxy.setRestartPolicy("Always");
      injectedInits.add(proxy);
      inits.addAll(injectedInits);
      inits.addAll(userInits);
    } else {
      // the pod's own init containers first, so they are not caught by rules with no proxy to answer yet
      proxy.setRestartPolicy(null);
      inits.addAll(userInits);
      if (init != null) {
        injectedInits.add(init);
        inits.add(init);
      }
    }
    spec.setInitContainers(inits);
    List<Container> appContainers = new ArrayList<>(userContainers);
    if (!nativeSidecar) {
      // the proxy last, so kubectl exec/logs default to the app; first when the app waits for it
      appContainers.add(holdHook ? 0 : appContainers.size(), proxy);
    }
    spec.setContainers(appContainers);
    List<String> volumes = volumes(spec);
    if (gateway) {
      lowPorts(spec);
    }
    if (spec.getTerminationGracePeriodSeconds() == null) {
      spec.setTerminationGracePeriodSeconds(30L);
    }

    if (!gateway) {
      labels.putIfAbsent("security.istio.io/tlsMode", "istio");
    }
    labels.putIfAbsent("service.istio.io/canonical-name", labels.getOrDefault("app", canonicalName(meta)));
    labels.putIfAbsent("service.istio.io/canonical-revision", labels.getOrDefault("version", "latest"));
    meta.setLabels(labels);
    annotations.put(InjectionPolicy.STATUS_ANNOTATION, status(injectedInits,
        nativeSidecar ? List.of() : List.of(proxy), volumes));
    annotations.putIfAbsent("prometheus.io/scrape", "true");
    annotations.putIfAbsent("prometheus.io/port", Integer.toString(ProxyBootstrap.STATS_PORT));
    annotations.putIfAbsent("prometheus.io/path", "/stats/prometheus");
    meta.setAnnotations(annotations);
    return new Injection(out, true, s.warnings());
  }

  /**
   * The API server refuses a preStop sleep longer than the pod's termination grace period (30 s
   * unless set): the drain wait is cut to it, and left out when the pod gets none.
   */
  static void withinGracePeriod(Container proxy, Long grace) {
    var lifecycle = proxy.getLifecycle();
    if (lifecycle == null || lifecycle.getPreStop() == null || lifecycle.getPreStop().getSleep() == null) {
      return;
    }
    long limit = grace == null ? 30 : grace;
    if (limit <= 0) {
      lifecycle.setPreStop(null);
    } else if (lifecycle.getPreStop().getSleep().getSeconds() > limit) {
      lifecycle.getPreStop().getSleep().setSeconds(limit);
    }
  }

  /** The projected token and the mesh roots, when the proxy authenticates to Bosun with them; their names. */
  private List<String> volumes(PodSpec spec) {
    if (!containers.tokenAuth()) {
      return List.of();
    }
    // a projected token needs a named service account; "default" is what the API server's
    // ServiceAccount admission would fill in (it runs before webhooks where it is enabled)
    if (spec.getServiceAccountName() == null || spec.getServiceAccountName().isEmpty()) {
      spec.setServiceAccountName("default");
    }
    List<Volume> volumes = new ArrayList<>(InjectionPolicy.list(spec.getVolumes()));
    volumes.add(new VolumeBuilder().withName(ProxyContainers.TOKEN_VOLUME).withNewProjected().addNewSource()
        .withNewServiceAccountToken().withAudience(config.tokenAudience()).withExpirationSeconds(43200L)
        .withPath("istio-token").endServiceAccountToken().endSource().endProjected().build());
    volumes.add(new VolumeBuilder().withName(ProxyContainers.ROOTS_VOLUME).withNewConfigMap()
        .withName(ROOTS_CONFIGMAP).endConfigMap().build());
    spec.setVolumes(volumes);
    return List.of(ProxyContainers.TOKEN_VOLUME, ProxyContainers.ROOTS_VOLUME);
  }

  /** A gateway listens on 80 and 443 as uid 1337: unprivileged ports from 0, unless the pod says otherwise. */
  private static void lowPorts(PodSpec spec) {
    PodSecurityContext psc = spec.getSecurityContext() == null ? new PodSecurityContext() : spec.getSecurityContext();
    List<Sysctl> sysctls = new ArrayList<>(InjectionPolicy.list(psc.getSysctls()));
    if (sysctls.stream().noneMatch(x -> LOW_PORTS_SYSCTL.equals(x.getName()))) {
      sysctls.add(new Sysctl(LOW_PORTS_SYSCTL, "0"));
    }
    psc.setSysctls(sysctls);
    spec.setSecurityContext(psc);
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

  /** Istio's {@code sidecar.istio.io/status}: what injection added, so it is never added twice. */
  private static String status(List<Container> inits, List<Container> containers, List<String> volumes) {
    return "{\"initContainers\":[" + quoted(inits.stream().map(Container::getName).toList()) + "],\"containers\":["
        + quoted(containers.stream().map(Container::getName).toList()) + "],\"volumes\":[" + quoted(volumes)
        + "],\"imagePullSecrets\":null,\"revision\":\"default\"}";
  }

  private static String quoted(List<String> names) {
    return names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(","));
  }

  private static String canonicalName(ObjectMeta meta) {
    String name = meta.getName() != null ? meta.getName() : meta.getGenerateName() != null ? meta.getGenerateName()
        : "";
    return name.replaceAll("-+$", "");
  }
}
