package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.ResourceRef;
import io.bosun.model.ServicePort;
import io.bosun.model.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioIngressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.SidecarPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Validates a Sidecar spec as Istio's {@code ValidateSidecar} does and turns it into the model. */
final class SidecarConverter {
  /** What a Sidecar without egress listeners imports: everything, as in Istio. */
  private static final Sidecar.Egress IMPORT_ALL = new Sidecar.Egress(0, List.of("*/*"));

  private SidecarConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
      io.fabric8.istio.api.api.networking.v1alpha3.Sidecar spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    Map<String, String> selector = spec.getWorkloadSelector() == null ? null
        : Checks.workloadSelector(spec.getWorkloadSelector().getLabels(), "spec.workloadSelector.labels", problems);
    if (list(spec.getEgress()).isEmpty() && list(spec.getIngress()).isEmpty() && spec.getOutboundTrafficPolicy() == null
        && spec.getInboundConnectionPool() == null) {
      problems.error("spec", "egress, ingress, outboundTrafficPolicy or inboundConnectionPool is required");
    }
    List<Sidecar.Egress> egress = list(spec.getEgress()).isEmpty() ? List.of(IMPORT_ALL)
        : egress(list(spec.getEgress()), problems);
    List<Sidecar.Ingress> ingress = ingress(list(spec.getIngress()), problems);
    TrafficPolicyChecks.connectionPool(spec.getInboundConnectionPool(), "spec.inboundConnectionPool", problems);
    Checks.unsupported(spec.getInboundConnectionPool(), "spec.inboundConnectionPool", problems);
    Boolean registryOnly = outboundPolicy(spec.getOutboundTrafficPolicy(), problems);
    return Conversion.of(ref, new Sidecar(ref, selector, egress, registryOnly, ingress), problems);
  }

  private static List<Sidecar.Egress> egress(List<IstioEgressListener> listeners, Problems problems) {
    List<Sidecar.Egress> out = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    int catchAll = 0;
    for (int i = 0; i < listeners.size(); i++) {
      IstioEgressListener l = listeners.get(i);
      String field = "spec.egress[" + i + "]";
      if (l == null) {
        problems.error(field, "an egress listener is required here");
        continue;
      }
      int port = 0;
      if (l.getPort() != null) {
        if (port(l.getPort(), l.getBind(), field, problems)) {
          port = l.getPort().getNumber().intValue();
          if (!ports.add(port)) {
            problems.error(field + ".port.number", "port " + port + " has more than one egress listener");
          }
          problems.warning(field + ".port", "Bosun imports these hosts on all of their ports; per-port egress "
              + "listeners are not supported by this Bosun release yet");
        }
      } else if (++catchAll > 1) {
        problems.error(field, "only one egress listener may leave out the port");
      } else if (i != listeners.size() - 1) {
        problems.error(field, "the egress listener without a port must be the last one");
      }
      Checks.unsupported(l.getBind() == null || l.getBind().isEmpty() ? null : l.getBind(), field + ".bind", problems);
      Checks.unsupported(l.getCaptureMode(), field + ".captureMode", problems);
      List<String> hosts = hosts(list(l.getHosts()), field + ".hosts", problems);
      out.add(new Sidecar.Egress(port, hosts));
    }
    return out;
  }

  /**
   * {@code namespace/dnsName} (Istio's {@code ValidateNamespaceSlashWildcardHostname}): namespace
   * {@code *}, {@code .}, {@code ~} or a name; a DNS name with a dot, or {@code *}; a {@code *} only as
   * the whole first label.
   */
  private static List<String> hosts(List<String> hosts, String field, Problems problems) {
    List<String> out = new ArrayList<>();
    if (hosts.isEmpty()) {
      problems.error(field, "at least one host is required");
    }
    for (int i = 0; i < hosts.size(); i++) {
      String h = hosts.get(i);
      String f = field + "[" + i + "]";
      int slash = h == null ? -1 : h.indexOf('/');
      if (slash < 0) {
        problems.error(f, "must be namespace/dnsName (e.g. \"./*\" or \"istio-system/*\"), not \"" + h + "\"");
        continue;
      }
      String ns = h.substring(0, slash);
      String name = h.substring(slash + 1);
      String bareNs = ns.startsWith("~") && ns.length() > 1 ? ns.substring(1) : ns;
      if (!ns.equals("*") && !ns.equals(".") && !ns.equals("~") && !HostNames.label(bareNs)) {
        problems.error(f, "namespace \"" + ns + "\" must be \"*\", \".\", \"~\" or a namespace name");
      } else if (name.isEmpty() || !HostNames.wildcardDomain(name)) {
        problems.error(f, "invalid DNS name \"" + name + "\"");
      } else if (!name.equals("*") && !name.contains(".")) {
        problems.error(f, "short name \"" + name + "\": a full DNS name (with a dot) or * is required");
      } else if (HostNames.partialWildcard(name)) {
        problems.error(f, "partial wildcard \"" + name + "\": only a whole first label \"*.\" is a wildcard");
      } else if (!bareNs.equals(ns)) {
        problems.warning(f, "excluding a namespace (\"" + ns + "\") is not supported by this Bosun release yet;"
            + " ignored");
      } else {
        out.add(h);
      }
    }
    return out;
  }

  private static List<Sidecar.Ingress> ingress(List<IstioIngressListener> listeners, Problems problems) {
    List<Sidecar.Ingress> out = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < listeners.size(); i++) {
      IstioIngressListener l = listeners.get(i);
      String field = "spec.ingress[" + i + "]";
      if (l == null || l.getPort() == null) {
        problems.error(field + ".port", "the port is required");
        continue;
      }
      boolean portOk = port(l.getPort(), l.getBind(), field, problems);
      if (portOk && !ports.add(l.getPort().getNumber().intValue())) {
        problems.error(field + ".port.number", "port " + l.getPort().getNumber() + " has more than one listener");
      }
      String endpoint = SidecarIngress.defaultEndpoint(l.getDefaultEndpoint(), field + ".defaultEndpoint", problems);
      SidecarIngress.tls(l, field + ".tls", problems);
      TrafficPolicyChecks.connectionPool(l.getConnectionPool(), field + ".connectionPool", problems);
      Checks.unsupported(l.getBind() == null || l.getBind().isEmpty() ? null : l.getBind(), field + ".bind", problems);
      Checks.unsupported(l.getCaptureMode(), field + ".captureMode", problems);
      Checks.unsupported(l.getTls(), field + ".tls", problems);
      Checks.unsupported(l.getConnectionPool(), field + ".connectionPool", problems);
      if (portOk) {
        ServicePort p = new ServicePort(l.getPort().getName(), l.getPort().getNumber().intValue(),
            l.getPort().getProtocol(), 0);
        out.add(new Sidecar.Ingress(p.number(), p.isHttp(), endpoint));
      }
    }
    return out;
  }

  /** A listener's port: a valid number, name and protocol; no targetPort; bind an IP. */
  private static boolean port(SidecarPort port, String bind, String field, Problems problems) {
    if (port.getName() != null && !port.getName().isEmpty() && !HostNames.label(port.getName())) {
      problems.error(field + ".port.name", "invalid port name \"" + port.getName() + "\"");
    }
    if (port.getProtocol() != null && !port.getProtocol().isEmpty()
        && !ServiceEntryConverter.PROTOCOLS.contains(port.getProtocol().toUpperCase(Locale.ROOT))) {
      problems.error(field + ".port.protocol", "unknown protocol \"" + port.getProtocol() + "\"");
    }
    if (port.getTargetPort() != null && port.getTargetPort() != 0) {
      problems.error(field + ".port.targetPort", "has no effect on a Sidecar and must not be set");
    }
    if (bind != null && !bind.isEmpty() && !bind.startsWith(EndpointChecks.UNIX) && !HostNames.ip(bind)) {
      problems.error(field + ".bind", "must be an IP address, not \"" + bind + "\"");
    }
    return Checks.port(port.getNumber(), field + ".port.number", problems);
  }

  private static Boolean outboundPolicy(OutboundTrafficPolicy policy, Problems problems) {
    if (policy == null) {
      return null;
    }
    if (policy.getEgressProxy() != null) {
      String field = "spec.outboundTrafficPolicy.egressProxy";
      if (!"ALLOW_ANY".equals(String.valueOf(policy.getMode()))) {
        problems.error(field, "only works with mode ALLOW_ANY");
      } else if (policy.getEgressProxy().getPort() == null) {
        problems.error(field + ".port", "port is required");
      } else if (policy.getEgressProxy().getHost() == null || !HostNames.fqdn(policy.getEgressProxy().getHost())) {
        problems.error(field + ".host", "a DNS name is required");
      } else {
        VirtualServiceConverter.destination(policy.getEgressProxy(), field, "", problems);
      }
      Checks.unsupported(policy.getEgressProxy(), field, problems);
    }
    if (policy.getMode() == null) {
      return true; // REGISTRY_ONLY is the mode's zero value
    }
    return switch (policy.getMode().toString()) {
      case "REGISTRY_ONLY" -> true;
      case "ALLOW_ANY" -> false;
      default -> {
        problems.error("spec.outboundTrafficPolicy.mode", "must be ALLOW_ANY or REGISTRY_ONLY, not "
            + policy.getMode());
        yield null;
      }
    };
  }
}
