package io.bosun.analyze;

import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.model.DestinationRule;
import io.bosun.model.Gateway;
import io.bosun.model.KubeService;
import io.bosun.model.MeshResource;
import io.bosun.model.NamespaceInfo;
import io.bosun.model.PeerAuthentication;
import io.bosun.model.PodInfo;
import io.bosun.model.ServiceEntry;
import io.bosun.model.ServiceRegistry;
import io.bosun.model.VirtualService;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything the checks read, frozen: the accepted resources by kind (VirtualServices as written,
 * before delegation is flattened, so findings name the resource to edit), the registry built from
 * them the way Bosun serves it, the validator's problems, and each pod's injection state.
 */
public record AnalysisInput(ServiceRegistry registry, List<VirtualService> virtualServices,
                            List<DestinationRule> destinationRules, List<Gateway> gateways,
                            List<KubeService> services, List<ServiceEntry> serviceEntries, List<PodInfo> pods,
                            List<NamespaceInfo> namespaces,
                            List<PeerAuthentication> peerAuthentications, List<PodInjection> injections,
                            List<ConfigError> problems, Map<String, String> sources, Coverage coverage) {
  public AnalysisInput {
    virtualServices = sorted(virtualServices, v -> v.ref().toString());
    destinationRules = sorted(destinationRules, d -> d.ref().toString());
    gateways = sorted(gateways, g -> g.ref().toString());
    services = sorted(services, s -> s.ref().toString());
    serviceEntries = sorted(serviceEntries, s -> s.ref().toString());
    pods = sorted(pods, p -> p.ref().toString());
    namespaces = sorted(namespaces, NamespaceInfo::name);
    peerAuthentications = sorted(peerAuthentications, p -> p.ref().toString());
    injections = sorted(injections, i -> i.pod().toString());
    problems = List.copyOf(problems);
    sources = Map.copyOf(sources);
  }

  /**
   * The input made of the resources that serve (as a {@code ConfigStore} holds them) and the
   * registry built from them.
   *
   * @param sources where each resource came from, by {@code ResourceRef.toString()}
   */
  public static AnalysisInput of(ServiceRegistry registry, Collection<MeshResource> resources,
                                 List<PodInjection> injections, List<ConfigError> problems,
                                 Map<String, String> sources, Coverage coverage) {
    return new AnalysisInput(registry, only(resources, VirtualService.class), only(resources, DestinationRule.class),
        only(resources, Gateway.class), only(resources, KubeService.class), only(resources, ServiceEntry.class),
        only(resources, PodInfo.class),
        only(resources, NamespaceInfo.class), only(resources, PeerAuthentication.class), injections, problems,
        sources, coverage);
  }

  /**
   * The input a store holds, as it serves it: its resources, the registry it builds (standalone
   * and Kubernetes modes build it the same way), its problems.
   */
  public static AnalysisInput from(ConfigStore store, List<PodInjection> injections, Coverage coverage) {
    List<ConfigStore.Entry> entries = store.entries();
    Map<String, String> sources = new HashMap<>();
    entries.forEach(e -> sources.put(e.ref().toString(), e.source()));
    return of(store.snapshot().registry(), entries.stream().map(ConfigStore.Entry::serving).filter(Objects::nonNull)
        .toList(), injections, store.problems(), sources, coverage);
  }

  private static <T> List<T> only(Collection<MeshResource> resources, Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T> List<T> sorted(List<T> list, Function<T, String> key) {
    return list.stream().sorted(Comparator.comparing(key)).toList();
  }
}
