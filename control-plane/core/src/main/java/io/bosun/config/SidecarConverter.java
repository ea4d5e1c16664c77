package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Hosts;
import io.bosun.model.ResourceRef;
import io.bosun.model.ServicePort;
import io.bosun.model.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioEgressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.IstioIngressListener;
import io.fabric8.istio.api.api.networking.v1alpha3.OutboundTrafficPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validates a Sidecar spec, as Istio does, and turns it into the model. */
final class SidecarConverter {
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
    List<Sidecar.Egress> egress = egress(list(spec.getEgress()), problems);
    List<Sidecar.Ingress> ingress = ingress(list(spec.getIngress()), problems);
    Checks.unsupported(spec.getInboundConnectionPool(), "spec.inboundConnectionPool", problems);
    Boolean registryOnly = outboundPolicy(spec.getOutboundTrafficPolicy(), problems);
    return Conversion.of(ref, new Sidecar(ref, selector, egress, registryOnly, ingress), problems);
  }

  private static List<Sidecar.Egress> egress(List<IstioEgressListener> listeners, Problems problems) {
    List<Sidecar.Egress> out = new ArrayList<>();
    if (listeners.isEmpty()) {
      problems.error("spec.egress", "at least one egress listener is required");
      return out;
    }
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
        if (Checks.port(l.getPort().getNumber(), field + ".port.number", problems)) {
          port = l.getPort().getNumber().intValue();
          if (!ports.add(port)) {
            problems.error(field + ".port.number", "port " + port + " has more than one egress listener");
          }
          problems.warning(field + ".port", "Bosun imports these hosts on all of their ports; per-port egress "
              + "listeners are not supported by this Bosun release yet");
        }
      } else if (++catchAll > 1) {
        problems.error(field, "only one egress listener may leave out the port");
      }
      Checks.unsupported(l.getBind() == null || l.getBind().isEmpty() ? null : l.getBind(), field + ".bind", problems);
      Checks.unsupported(l.getCaptureMode(), field + ".captureMode", problems);
      List<String> hosts = hosts(list(l.getHosts()), field + ".hosts", problems);
      out.add(new Sidecar.Egress(port, hosts));
    }
    return out;
  }

  /** {@code namespace/dnsName}: namespace {@code *}, {@code .}, {@code ~} or a name; the name may start with *. */
  private static List<String> hosts(List<String> hosts, String field, Problems problems) {
    List<String> out = new ArrayList<>();
    if (hosts.isEmpty()) {
      problems.error(field, "at least one host is required");
    }
    for (int i = 0; i < hosts.size(); i++) {
      String h = hosts.get(i);
      String f = field + "[" + i + "]";
      int slash = h == null ? -1 : h.indexOf('/');
      if (slash < 0 || h.indexOf('/', slash + 1) >= 0) {
        problems.error(f, "must be namespace/dnsName (e.g. \"./*\" or \"istio-system/*\"), not \"" + h + "\"");
        continue;
      }
      String ns = h.substring(0, slash);
      String name = h.substring(slash + 1);
      if (!ns.equals("*") && !ns.equals(".") && !ns.equals("~") && !ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        problems.error(f, "namespace \"" + ns + "\" must be \"*\", \".\", \"~\" or a namespace name");
      } else if (!name.equals("*") && !Hosts.isValidName(name)) {
        problems.error(f, "invalid DNS name \"" + name + "\"");
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
      if (Checks.port(l.getPort().getNumber(), field + ".port.number", problems)
          && !ports.add(l.getPort().getNumber().intValue())) {
        problems.error(field + ".port.number", "port " + l.getPort().getNumber() + " has more than one listener");
      }
      String endpoint = l.getDefaultEndpoint();
      if (endpoint != null && !endpoint.isEmpty() && !endpoint.startsWith("unix://")
          && !endpoint.matches("(127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1]|\\[::]):[0-9]{1,5}")) {
        problems.error(field + ".defaultEndpoint", "must be 127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT or "
            + "unix://path, not \"" + endpoint + "\"");
      }
      Checks.unsupported(l.getBind() == null || l.getBind().isEmpty() ? null : l.getBind(), field + ".bind", problems);
      Checks.unsupported(l.getCaptureMode(), field + ".captureMode", problems);
      Checks.unsupported(l.getTls(), field + ".tls", problems);
      Checks.unsupported(l.getConnectionPool(), field + ".connectionPool", problems);
      if (l.getPort().getNumber() != null) {
        ServicePort p = new ServicePort(l.getPort().getName(), l.getPort().getNumber().intValue(),
            l.getPort().getProtocol(), 0);
        out.add(new Sidecar.Ingress(p.number(), p.isHttp(), endpoint));
      }
    }
    return out;
  }

  private static Boolean outboundPolicy(OutboundTrafficPolicy policy, Problems problems) {
    if (policy == null || policy.getMode() == null) {
      return null;
    }
    Checks.unsupported(policy.getEgressProxy(), "spec.outboundTrafficPolicy.egressProxy", problems);
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
