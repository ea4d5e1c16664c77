package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Endpoint;
import io.bosun.model.Hosts;
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
import java.util.TreeMap;

/** Validates a ServiceEntry spec and turns it into the model. */
final class ServiceEntryConverter {
  private static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "HTTP2", "GRPC", "GRPC-WEB", "TCP", "TLS",
      "MONGO", "MYSQL", "REDIS", "UDP");
  private ServiceEntryConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
      io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    List<String> hosts = new ArrayList<>();
    if (list(spec.getHosts()).isEmpty()) {
      problems.error("spec.hosts", "at least one host is required");
    }
    for (int i = 0; i < list(spec.getHosts()).size(); i++) {
      String h = spec.getHosts().get(i);
      if (h == null || h.equals("*") || !Hosts.isValidName(h)) {
        problems.error("spec.hosts[" + i + "]", "invalid host \"" + h + "\"");
      } else {
        hosts.add(Hosts.resolve(h, ref.namespace()));
      }
    }
    Resolution resolution = resolution(spec.getResolution(), problems);
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", problems);
    Map<String, String> selector = spec.getWorkloadSelector() == null ? null
        : Checks.workloadSelector(spec.getWorkloadSelector().getLabels(), "spec.workloadSelector.labels", problems);
    if (spec.getWorkloadSelector() != null && !list(spec.getEndpoints()).isEmpty()) {
      problems.error("spec", "workloadSelector and endpoints cannot both be set");
    }
    List<String> addresses = list(spec.getAddresses());
    for (int i = 0; i < addresses.size(); i++) {
      String a = addresses.get(i);
      if (a == null || !Hosts.isIpv4OrCidr(a)) {
        problems.error("spec.addresses[" + i + "]", "invalid address \"" + a + "\"");
      } else if (a.contains("/") && resolution != Resolution.NONE && resolution != Resolution.STATIC) {
        problems.error("spec.addresses[" + i + "]", "CIDR addresses are allowed only with resolution NONE or STATIC");
      }
    }

    List<ServicePort> ports = new ArrayList<>();
    Set<String> portNames = new HashSet<>();
    Set<Long> portNumbers = new HashSet<>();
    for (int i = 0; i < list(spec.getPorts()).size(); i++) {
      var p = spec.getPorts().get(i);
      String field = "spec.ports[" + i + "]";
      if (p == null || !Checks.port(p.getNumber(), field + ".number", problems)) {
        continue;
      }
      if (p.getName() == null || p.getName().isBlank()) {
        problems.error(field + ".name", "port name is required");
        continue;
      }
      if (!portNames.add(p.getName())) {
        problems.error(field + ".name", "duplicate port name " + p.getName());
      }
      if (!portNumbers.add(p.getNumber())) {
        problems.error(field + ".number", "duplicate port number " + p.getNumber());
      }
      if (p.getProtocol() != null && !p.getProtocol().isEmpty() && !PROTOCOLS.contains(p.getProtocol()
          .toUpperCase(Locale.ROOT))) {
        problems.error(field + ".protocol", "unknown protocol \"" + p.getProtocol() + "\"");
      }
      int target = p.getNumber().intValue();
      if (p.getTargetPort() != null && Checks.port(p.getTargetPort(), field + ".targetPort", problems)) {
        target = p.getTargetPort().intValue();
      }
      ports.add(new ServicePort(p.getName(), p.getNumber().intValue(), p.getProtocol(), target));
    }
    if (list(spec.getPorts()).isEmpty()) {
      problems.error("spec.ports", "at least one port is required");
    }

    List<Endpoint> endpoints = new ArrayList<>();
    var eps = list(spec.getEndpoints());
    if (resolution == Resolution.STATIC && eps.isEmpty() && spec.getWorkloadSelector() == null) {
      problems.error("spec.endpoints", "resolution STATIC needs endpoints or a workloadSelector");
    }
    if (resolution == Resolution.DNS_ROUND_ROBIN && eps.size() > 1) {
      problems.error("spec.endpoints", "resolution DNS_ROUND_ROBIN allows at most one endpoint");
    }
    for (int i = 0; i < eps.size(); i++) {
      var e = eps.get(i);
      String field = "spec.endpoints[" + i + "]";
      if (e == null || e.getAddress() == null || e.getAddress().isBlank()) {
        problems.error(field + ".address", "address is required");
        continue;
      }
      if (resolution == Resolution.STATIC && !Hosts.isIpv4(e.getAddress())) {
        problems.error(field + ".address", "resolution STATIC needs an IP address, got \"" + e.getAddress() + "\"");
      }
      Map<String, Integer> epPorts = new TreeMap<>();
      new TreeMap<>(e.getPorts() == null ? Map.<String, Long>of() : e.getPorts()).forEach((name, number) -> {
        if (!portNames.contains(name)) {
          problems.error(field + ".ports." + name, "port name " + name + " is not declared in spec.ports");
        } else if (Checks.port(number, field + ".ports." + name, problems)) {
          epPorts.put(name, number.intValue());
        }
      });
      Checks.unsupported(e.getNetwork(), field + ".network", problems);
      long weight = e.getWeight() == null ? 0 : e.getWeight();
      if (weight < 0) {
        problems.error(field + ".weight", "weight must not be negative");
      }
      endpoints.add(new Endpoint(e.getAddress(), epPorts, e.getLabels() == null ? Map.of() : e.getLabels(), true,
          e.getLocality(), (int) weight, ""));
    }
    boolean external = spec.getLocation() != ServiceEntryLocation.MESH_INTERNAL;
    return Conversion.of(ref, new ServiceEntry(ref, hosts, addresses, ports, external, resolution, endpoints,
        selector, exportTo), problems);
  }

  private static Resolution resolution(ServiceEntryResolution r, Problems problems) {
    if (r == null) {
      return Resolution.NONE;
    }
    return switch (r) {
      case STATIC -> Resolution.STATIC;
      case DNS -> Resolution.DNS;
      case DNS_ROUND_ROBIN -> Resolution.DNS_ROUND_ROBIN;
      case NONE -> Resolution.NONE;
      default -> {
        problems.error("spec.resolution", "resolution " + r + " is not supported");
        yield Resolution.NONE;
      }
    };
  }
}
