package io.bosun.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Every service the mesh knows, by hostname, with its endpoints. Built from Kubernetes
 * Services + EndpointSlices and from ServiceEntries; immutable once built.
 */
public final class ServiceRegistry {
  public static final String DOMAIN_SUFFIX = "svc.cluster.local";

  private final Map<String, Service> services;
  private final Map<String, List<Endpoint>> endpoints;
  private final Map<String, String> podLocalities;

  private ServiceRegistry(Map<String, Service> services, Map<String, List<Endpoint>> endpoints,
                          Map<String, String> podLocalities) {
    this.services = services;
    this.endpoints = endpoints;
    this.podLocalities = podLocalities;
  }

  public static ServiceRegistry empty() {
    return new ServiceRegistry(Map.of(), Map.of(), Map.of());
  }

  /**
   * Builds the registry. When two sources claim one hostname the first in {@link ResourceRef}
   * order wins, so the outcome never depends on arrival order.
   */
  public static ServiceRegistry build(Collection<KubeService> kubeServices, Collection<EndpointSlice> slices,
                                      Collection<PodInfo> pods, Collection<NodeInfo> nodes,
                                      Collection<ServiceEntry> serviceEntries) {
    return build(kubeServices, slices, pods, nodes, serviceEntries, List.of());
  }

  /**
   * As above, with the WorkloadEntries that Services (selector) and ServiceEntries
   * (workloadSelector) of their namespace select: VMs are endpoints like pods.
   */
  public static ServiceRegistry build(Collection<KubeService> kubeServices, Collection<EndpointSlice> slices,
                                      Collection<PodInfo> pods, Collection<NodeInfo> nodes,
                                      Collection<ServiceEntry> serviceEntries, Collection<WorkloadEntry> workloads) {
    List<WorkloadEntry> entries = workloads.stream().filter(w -> !w.address().isEmpty())
        .sorted(Comparator.comparing(WorkloadEntry::ref)).toList();
    Map<String, PodInfo> podsByName = new TreeMap<>();
    pods.forEach(p -> podsByName.put(p.ref().namespace() + "/" + p.ref().name(), p));
    Map<String, String> nodeLocality = new TreeMap<>();
    nodes.forEach(n -> nodeLocality.put(n.ref().name(), n.locality()));
    Map<String, String> podLocalities = new TreeMap<>();
    podsByName.forEach((key, p) -> {
      String locality = Localities.ofPod(p.labels(), nodeLocality.get(p.nodeName()), "");
      if (!locality.isEmpty()) {
        podLocalities.put(key, locality);
      }
    });
    Map<String, Service> services = new TreeMap<>();
    Map<String, List<Endpoint>> endpoints = new TreeMap<>();

    kubeServices.stream().sorted(Comparator.comparing(KubeService::ref)).forEach(ks -> {
      String host = fqdn(ks.ref().name(), ks.ref().namespace());
      services.putIfAbsent(host, new Service(host, ks.ref().namespace(), ks.clusterIp(), ks.ports(),
          Resolution.STATIC, false, true, ks.ref(), ks.exportTo()));
    });
    slices.stream().sorted(Comparator.comparing(EndpointSlice::ref)).forEach(slice -> {
      String host = fqdn(slice.serviceName(), slice.ref().namespace());
      Service svc = services.get(host);
      if (svc != null && svc.kubernetes()) {
        for (Endpoint e : slice.endpoints()) {
          // Subsets select by the labels of the Pod behind the endpoint; its locality is the pod's
          // node's (or the pod's own override), else the zone the slice reports.
          String key = slice.ref().namespace() + "/" + e.pod();
          PodInfo pod = e.pod().isEmpty() ? null : podsByName.get(key);
          endpoints.computeIfAbsent(host, h -> new ArrayList<>()).add(pod == null ? e
              : e.withLabels(pod.labels()).withLocality(podLocalities.getOrDefault(key, e.locality()))
                  .withServiceAccount(pod.serviceAccount()));
        }
      }
    });
    kubeServices.stream().filter(ks -> !ks.selector().isEmpty()).forEach(ks -> {
      String host = fqdn(ks.ref().name(), ks.ref().namespace());
      for (WorkloadEntry w : entries) {
        // EDS carries IP addresses only
        if (w.ref().namespace().equals(ks.ref().namespace()) && w.selectedBy(ks.selector())
            && Hosts.isIpv4(w.address())) {
          endpoints.computeIfAbsent(host, h -> new ArrayList<>()).add(w.endpoint());
        }
      }
    });
    serviceEntries.stream().sorted(Comparator.comparing(ServiceEntry::ref)).forEach(se -> {
      for (int i = 0; i < se.hosts().size(); i++) {
        String host = se.hosts().get(i);
        if (services.containsKey(host)) {
          continue;
        }
        // one plain VIP becomes the service's address; CIDR ranges do not name a listener address
        String address = se.addresses().size() == 1 && Hosts.isIpv4(se.addresses().get(0)) ? se.addresses().get(0) : "";
        services.put(host, new Service(host, se.ref().namespace(), address, se.ports(), se.resolution(),
            se.meshExternal(), false, se.ref(), se.exportTo()));
        List<Endpoint> eps = new ArrayList<>(se.workloadSelector() == null ? se.endpoints()
            : selectedPods(se, podsByName.values(), podLocalities));
        if (se.workloadSelector() != null) {
          // a host name is resolved only by a DNS ServiceEntry; EDS carries IP addresses only
          boolean dns = se.resolution() == Resolution.DNS || se.resolution() == Resolution.DNS_ROUND_ROBIN;
          entries.stream().filter(w -> w.ref().namespace().equals(se.ref().namespace())
              && w.selectedBy(se.workloadSelector()) && (dns || Hosts.isIpv4(w.address())))
              .forEach(w -> eps.add(w.endpoint()));
        }
        endpoints.put(host, eps);
      }
    });
    Map<String, List<Endpoint>> sorted = new TreeMap<>();
    endpoints.forEach((host, eps) -> sorted.put(host, eps.stream()
        .sorted(Comparator.comparing(Endpoint::address).thenComparing(e -> e.ports().toString()))
        .toList()));
    return new ServiceRegistry(Map.copyOf(services), Map.copyOf(sorted), Map.copyOf(podLocalities));
  }

  /** A ServiceEntry's workloadSelector: the Pods of its namespace with those labels and an IP. */
  private static List<Endpoint> selectedPods(ServiceEntry se, Collection<PodInfo> pods,
                                             Map<String, String> podLocalities) {
    List<Endpoint> out = new ArrayList<>();
    for (PodInfo pod : pods) {
      if (pod.ref().namespace().equals(se.ref().namespace()) && !pod.ip().isEmpty()
          && pod.labels().entrySet().containsAll(se.workloadSelector().entrySet())) {
        out.add(new Endpoint(pod.ip(), Map.of(), pod.labels(), true,
            podLocalities.getOrDefault(pod.ref().namespace() + "/" + pod.ref().name(), ""), 0, pod.ref().name(),
            pod.serviceAccount()));
      }
    }
    return out;
  }

  /** The registry as seen from {@code namespace}: services not exported there are left out. */
  public ServiceRegistry visibleTo(String namespace) {
    Map<String, Service> s = new TreeMap<>();
    Map<String, List<Endpoint>> e = new TreeMap<>();
    services.forEach((host, svc) -> {
      if (ExportTo.visible(svc.exportTo(), svc.namespace(), namespace)) {
        s.put(host, svc);
        if (endpoints.containsKey(host)) {
          e.put(host, endpoints.get(host));
        }
      }
    });
    return new ServiceRegistry(Map.copyOf(s), Map.copyOf(e), podLocalities);
  }

  /** The registry with only the services {@code keep} accepts (a Sidecar's imports). */
  public ServiceRegistry only(Predicate<Service> keep) {
    Map<String, Service> s = new TreeMap<>();
    Map<String, List<Endpoint>> e = new TreeMap<>();
    services.forEach((host, svc) -> {
      if (keep.test(svc)) {
        s.put(host, svc);
        if (endpoints.containsKey(host)) {
          e.put(host, endpoints.get(host));
        }
      }
    });
    return new ServiceRegistry(Map.copyOf(s), Map.copyOf(e), podLocalities);
  }

  /** True when some service is hidden from some namespace. */
  public boolean hasExportRestrictions() {
    return services.values().stream().anyMatch(svc -> ExportTo.restricted(svc.exportTo()));
  }

  /** The Kubernetes FQDN of {@code name} in {@code namespace}. */
  public static String fqdn(String name, String namespace) {
    return name + "." + namespace + "." + DOMAIN_SUFFIX;
  }

  /** Services sorted by hostname. */
  public List<Service> services() {
    return services.values().stream().sorted(Comparator.comparing(Service::hostname)).toList();
  }

  public Service service(String hostname) {
    return services.get(hostname);
  }

  public List<Endpoint> endpoints(String hostname) {
    return endpoints.getOrDefault(hostname, List.of());
  }

  /** The locality of pod {@code namespace/name} (its override label, else its node's), or empty. */
  public String podLocality(String namespace, String name) {
    return podLocalities.getOrDefault(namespace + "/" + name, "");
  }
}
