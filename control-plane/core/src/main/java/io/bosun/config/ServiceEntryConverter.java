package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Endpoint;
import io.bosun.model.Hosts;
import io.bosun.model.Ignored;
import io.bosun.model.Resolution;
import io.bosun.model.ResourceRef;
import io.bosun.model.ServiceEntry;
import io.bosun.model.ServicePort;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryLocation;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Validates a ServiceEntry spec as Istio's {@code ValidateServiceEntry} does and turns it into the model. */
final class ServiceEntryConverter {
  /** Istio's {@code protocol.Parse}: the protocols a port may name (any case); empty means sniffed. */
  static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB", "TCP",
      "TLS", "MONGO", "MYSQL", "REDIS", "UDP");
  private static final Set<String> DYNAMIC_DNS_PROTOCOLS = Set.of("HTTP", "HTTP2", "GRPC", "TLS");
  private static final Set<String> HTTP_OR_TLS = Set.of("HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB", "HTTPS",
      "TLS");

  private ServiceEntryConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
      io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    ServiceEntryResolution resolution = spec.getResolution() == null ? ServiceEntryResolution.NONE
        : spec.getResolution();
    List<String> hosts = hosts(spec.getHosts(), resolution, ref.namespace(), problems);
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", ref.namespace(), true, problems);
    Map<String, String> selector = spec.getWorkloadSelector() == null ? null
        : Checks.workloadSelector(spec.getWorkloadSelector().getLabels(), "spec.workloadSelector.labels", problems);
    if (spec.getWorkloadSelector() != null && !list(spec.getEndpoints()).isEmpty()) {
      problems.error("spec", "workloadSelector and endpoints cannot both be set");
    }
    List<String> addresses = list(spec.getAddresses());
    for (int i = 0; i < addresses.size(); i++) {
      String a = addresses.get(i);
      if (a == null || !(a.contains("/") ? SecurityChecks.ipOrCidr(a) : HostNames.ip(a))) {
        problems.error("spec.addresses[" + i + "]", "invalid address \"" + a + "\"");
      } else if (a.contains("/") && resolution != ServiceEntryResolution.NONE
          && resolution != ServiceEntryResolution.STATIC) {
        problems.error("spec.addresses[" + i + "]", "CIDR addresses are allowed only with resolution NONE or STATIC");
      }
    }
    List<ServicePort> ports = ports(list(spec.getPorts()), problems);
    Set<String> portNames = new HashSet<>();
    ports.forEach(p -> portNames.add(p.name()));
    if (hosts.size() > 1 && resolution != ServiceEntryResolution.NONE
        && list(spec.getPorts()).stream().anyMatch(p -> p != null && !HTTP_OR_TLS.contains(upper(p.getProtocol())))) {
      // a proxy can tell the hosts apart by Host header or SNI only
      problems.error("spec.hosts", "several hosts need HTTP or TLS ports unless resolution is NONE");
    }
    List<Endpoint> endpoints = EndpointChecks.endpoints(list(spec.getEndpoints()), resolution, portNames,
        ports.size(), problems);
    switch (resolution) {
      case NONE -> {
        if (!list(spec.getEndpoints()).isEmpty()) {
          problems.error("spec.endpoints", "resolution NONE takes no endpoints");
        }
        if (spec.getWorkloadSelector() != null) {
          problems.warning("spec.workloadSelector", "has no effect with resolution NONE");
        }
      }
      case STATIC -> {
        if (list(spec.getEndpoints()).isEmpty() && spec.getWorkloadSelector() == null) {
          problems.warning("spec.endpoints", "resolution STATIC without endpoints or a workloadSelector: the service"
              + " has no endpoints");
        }
      }
      case DNS, DNS_ROUND_ROBIN -> dns(spec, resolution, problems);
      case DYNAMIC_DNS -> {
        dynamicDns(spec, problems);
        problems.warning("spec.resolution", "resolution DYNAMIC_DNS is not supported by this Bosun release yet;"
            + " this ServiceEntry is ignored");
        return Conversion.of(ref, new Ignored(ref), problems);
      }
      default -> problems.error("spec.resolution", "resolution " + resolution + " is not supported");
    }
    boolean external = spec.getLocation() != ServiceEntryLocation.MESH_INTERNAL;
    return Conversion.of(ref, new ServiceEntry(ref, hosts, addresses, ports, external, model(resolution),
        endpoints, selector, exportTo), problems);
  }

  private static List<String> hosts(List<String> hosts, ServiceEntryResolution resolution, String namespace,
                                    Problems problems) {
    List<String> out = new ArrayList<>();
    if (hosts.isEmpty()) {
      problems.error("spec.hosts", "at least one host is required");
    }
    for (int i = 0; i < hosts.size(); i++) {
      String h = hosts.get(i);
      String field = "spec.hosts[" + i + "]";
      if (h == null || h.equals("*") || !HostNames.wildcardDomain(h)) {
        problems.error(field, "invalid host \"" + h + "\"");
        continue;
      }
      if (HostNames.partialWildcard(h) && resolution != ServiceEntryResolution.DYNAMIC_DNS) {
        problems.warning(field, "partial wildcard \"" + h + "\": only a whole first label \"*.\" is a wildcard");
      }
      out.add(Hosts.resolve(h, namespace));
    }
    return out;
  }

  private static List<ServicePort> ports(List<io.fabric8.istio.api.api.networking.v1alpha3.ServicePort> in,
                                         Problems problems) {
    List<ServicePort> ports = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<Long> numbers = new HashSet<>();
    for (int i = 0; i < in.size(); i++) {
      var p = in.get(i);
      String field = "spec.ports[" + i + "]";
      if (p == null || !Checks.port(p.getNumber(), field + ".number", problems)) {
        continue;
      }
      if (p.getName() == null || p.getName().isEmpty()) {
        problems.error(field + ".name", "port name is required");
        continue;
      }
      if (!HostNames.label(p.getName())) {
        problems.error(field + ".name", "invalid port name \"" + p.getName() + "\": letters, digits and '-'");
      }
      if (!names.add(p.getName())) {
        problems.error(field + ".name", "duplicate port name " + p.getName());
      }
      if (!numbers.add(p.getNumber())) {
        problems.error(field + ".number", "duplicate port number " + p.getNumber());
      }
      if (p.getProtocol() != null && !p.getProtocol().isEmpty() && !PROTOCOLS.contains(upper(p.getProtocol()))) {
        problems.error(field + ".protocol", "unknown protocol \"" + p.getProtocol() + "\"");
      }
      int target = p.getNumber().intValue();
      if (p.getTargetPort() != null && p.getTargetPort() != 0
          && Checks.port(p.getTargetPort(), field + ".targetPort", problems)) {
        target = p.getTargetPort().intValue();
      }
      ports.add(new ServicePort(p.getName(), p.getNumber().intValue(), p.getProtocol(), target));
    }
    return ports;
  }

  /** DNS and DNS_ROUND_ROBIN: without endpoints, the hosts themselves are resolved, so they must be names. */
  private static void dns(io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry spec,
                          ServiceEntryResolution resolution, Problems problems) {
    var eps = list(spec.getEndpoints());
    if (eps.isEmpty()) {
      List<String> hosts = list(spec.getHosts());
      for (int i = 0; i < hosts.size(); i++) {
        if (hosts.get(i) != null && !HostNames.fqdn(hosts.get(i))) {
          problems.error("spec.hosts[" + i + "]", "resolution " + resolution + " without endpoints resolves the hosts:"
              + " \"" + hosts.get(i) + "\" is not a DNS name");
          break;
        }
      }
    }
    if (resolution == ServiceEntryResolution.DNS_ROUND_ROBIN && eps.size() > 1) {
      problems.error("spec.endpoints", "resolution DNS_ROUND_ROBIN allows at most one endpoint");
    }
  }

  /** Istio's rules for DYNAMIC_DNS, which Bosun does not serve yet: wildcard hosts, no addresses or endpoints. */
  private static void dynamicDns(io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry spec,
                                 Problems problems) {
    List<String> hosts = list(spec.getHosts());
    for (int i = 0; i < hosts.size(); i++) {
      if (hosts.get(i) != null && !hosts.get(i).startsWith("*")) {
        problems.error("spec.hosts[" + i + "]", "resolution DYNAMIC_DNS needs wildcard hosts");
      }
    }
    if (!list(spec.getAddresses()).isEmpty()) {
      problems.error("spec.addresses", "resolution DYNAMIC_DNS takes no addresses");
    }
    if (!list(spec.getEndpoints()).isEmpty()) {
      problems.error("spec.endpoints", "resolution DYNAMIC_DNS takes no endpoints");
    }
    var ports = list(spec.getPorts());
    for (int i = 0; i < ports.size(); i++) {
      if (ports.get(i) != null && !DYNAMIC_DNS_PROTOCOLS.contains(upper(ports.get(i).getProtocol()))) {
        problems.error("spec.ports[" + i + "].protocol", "resolution DYNAMIC_DNS supports HTTP, HTTP2, GRPC and TLS");
      }
    }
  }

  private static String upper(String protocol) {
    return protocol == null ? "" : protocol.toUpperCase(Locale.ROOT);
  }

  private static Resolution model(ServiceEntryResolution r) {
    return switch (r) {
      case STATIC -> Resolution.STATIC;
      case DNS -> Resolution.DNS;
      case DNS_ROUND_ROBIN -> Resolution.DNS_ROUND_ROBIN;
      default -> Resolution.NONE;
    };
  }
}
