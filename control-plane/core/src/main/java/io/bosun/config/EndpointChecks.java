package io.bosun.config;

import io.bosun.model.Endpoint;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntryResolution;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A ServiceEntry's endpoints as Istio checks them: {@code validateWorkloadEntry} for STATIC (an IP
 * address or a {@code unix://} socket), and for DNS an IP address or a DNS name to resolve.
 */
final class EndpointChecks {
  static final String UNIX = "unix://";

  private EndpointChecks() {
  }

  /** The endpoints Bosun serves; one without an address (only a network) is left out with a warning. */
  static List<Endpoint> endpoints(List<WorkloadEntry> eps, ServiceEntryResolution resolution, Set<String> portNames,
                                  int portCount, Problems problems) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < eps.size(); i++) {
      WorkloadEntry e = eps.get(i);
      String field = "spec.endpoints[" + i + "]";
      if (e == null) {
        problems.error(field, "an endpoint is required here");
        continue;
      }
      String address = e.getAddress() == null ? "" : e.getAddress();
      boolean network = e.getNetwork() != null && !e.getNetwork().isEmpty();
      boolean ok = switch (resolution) {
        case STATIC -> staticAddress(address, network, e, field, portCount, problems);
        case DNS, DNS_ROUND_ROBIN -> dnsAddress(address, field, problems);
        default -> true; // NONE and DYNAMIC_DNS take no endpoints: reported by the caller
      };
      Map<String, Integer> ports = ports(e, field, portNames, problems);
      Checks.labels(e.getLabels(), field + ".labels", problems);
      long weight = e.getWeight() == null ? 0 : e.getWeight();
      if (weight < 0) {
        problems.error(field + ".weight", "weight must not be negative");
      }
      if (ok && !address.isEmpty()) {
        Checks.unsupported(e.getNetwork(), field + ".network", problems);
        out.add(new Endpoint(address, ports, e.getLabels() == null ? Map.of() : e.getLabels(), true,
            e.getLocality(), (int) weight, ""));
      }
    }
    return out;
  }

  private static boolean staticAddress(String address, boolean network, WorkloadEntry e, String field, int portCount,
                                       Problems problems) {
    if (address.isEmpty()) {
      if (!network) {
        problems.error(field + ".address", "address is required");
        return false;
      }
      // reachable through its network's gateway in Istio; Bosun does not route between networks
      problems.warning(field + ".address", "an endpoint with a network (" + Problems.truncate(e.getNetwork())
          + ") but no address is not supported by this Bosun release; left out");
      return false;
    }
    if (address.startsWith(UNIX)) {
      if (!unixPath(address)) {
        problems.error(field + ".address", "a unix domain socket needs an absolute file path or an @abstract name,"
            + " not \"" + Problems.truncate(address) + "\"");
        return false;
      }
      if (e.getPorts() != null && !e.getPorts().isEmpty()) {
        problems.error(field + ".ports", "a unix domain socket endpoint takes no ports");
      }
      if (portCount != 1) {
        problems.error(field + ".address", "a unix domain socket endpoint needs exactly one port in spec.ports");
      }
      return true;
    }
    if (!HostNames.ip(address)) {
      problems.error(field + ".address", "resolution STATIC needs an IP address, got \"" + Problems.truncate(address)
          + "\"");
      return false;
    }
    return true;
  }

  /** {@code unix://} and an absolute file path or an {@code @}abstract name (Istio's {@code ValidateUnixAddress}). */
  static boolean unixPath(String address) {
    String path = address.substring(UNIX.length());
    return path.startsWith("@") || path.startsWith("/") && !path.endsWith("/");
  }

  private static boolean dnsAddress(String address, String field, Problems problems) {
    if (address.isEmpty()) {
      problems.error(field + ".address", "address is required");
      return false;
    }
    if (!HostNames.ip(address) && !HostNames.fqdn(address)) {
      problems.error(field + ".address", "must be an IP address or a DNS name, not \"" + Problems.truncate(address)
          + "\"");
      return false;
    }
    return true;
  }

  private static Map<String, Integer> ports(WorkloadEntry e, String field, Set<String> portNames, Problems problems) {
    Map<String, Integer> out = new TreeMap<>();
    new TreeMap<>(e.getPorts() == null ? Map.<String, Long>of() : e.getPorts()).forEach((name, number) -> {
      if (!portNames.contains(name)) {
        problems.error(field + ".ports." + name, "port name " + name + " is not declared in spec.ports");
      } else if (Checks.port(number, field + ".ports." + name, problems)) {
        out.put(name, number.intValue());
      }
    });
    return out;
  }
}
