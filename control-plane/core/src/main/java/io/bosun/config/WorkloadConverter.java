package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.model.Hosts;
import io.bosun.model.ResourceRef;
import io.bosun.model.WorkloadEntry;
import io.bosun.model.WorkloadGroup;
import io.fabric8.istio.api.api.networking.v1alpha3.ReadinessProbe;
import io.fabric8.istio.api.api.networking.v1alpha3.ReadinessProbeExec;
import io.fabric8.istio.api.api.networking.v1alpha3.ReadinessProbeGrpc;
import io.fabric8.istio.api.api.networking.v1alpha3.ReadinessProbeHttpGet;
import io.fabric8.istio.api.api.networking.v1alpha3.ReadinessProbeTcpSocket;
import java.util.Map;
import java.util.TreeMap;

/**
 * WorkloadEntry and WorkloadGroup, validated as Istio's {@code ValidateWorkloadEntry} and
 * {@code ValidateWorkloadGroup} do. A WorkloadEntry's health comes from its status condition
 * {@code Healthy}, which whatever checks the VM reports (Istio's agent does, through istiod).
 */
final class WorkloadConverter {
  private WorkloadConverter() {
  }

  static Conversion entry(ResourceRef ref, String source,
                          io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry spec, JsonNode status) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    Fields f = fields(spec, "spec", false, problems);
    return Conversion.of(ref, new WorkloadEntry(ref, spec.getAddress(), f.ports(), f.labels(), spec.getNetwork(),
        spec.getLocality(), f.weight(), spec.getServiceAccount(), healthy(status)), problems);
  }

  static Conversion group(ResourceRef ref, String source,
                          io.fabric8.istio.api.api.networking.v1alpha3.WorkloadGroup spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    var template = spec.getTemplate();
    if (template == null) {
      problems.error("spec.template", "a template is required");
      return Conversion.of(ref, null, problems);
    }
    Fields f = fields(template, "spec.template", true, problems);
    // the entries' labels: the template's, and the group metadata's over them
    Map<String, String> labels = new TreeMap<>(f.labels());
    if (spec.getMetadata() != null) {
      labels.putAll(labels(spec.getMetadata().getLabels(), "spec.metadata.labels", problems));
    }
    Map<String, String> annotations = spec.getMetadata() == null || spec.getMetadata().getAnnotations() == null
        ? Map.of() : spec.getMetadata().getAnnotations();
    String probe = probe(spec.getProbe(), problems);
    return Conversion.of(ref, new WorkloadGroup(ref, labels, annotations, f.ports(), template.getNetwork(),
        template.getLocality(), f.weight(), template.getServiceAccount(), probe), problems);
  }

  private record Fields(Map<String, Integer> ports, Map<String, String> labels, int weight) {
  }

  private static Fields fields(io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry we, String field,
                               boolean template, Problems problems) {
    String address = we.getAddress() == null ? "" : we.getAddress();
    if (template) {
      if (!address.isEmpty()) {
        problems.error(field + ".address", "must not be set in a template: each VM has its own");
      }
    } else if (address.isEmpty()) {
      if (we.getNetwork() == null || we.getNetwork().isEmpty()) {
        problems.error(field + ".address", "an address is required (or a network, for a workload reached"
            + " through its network's gateway)");
      } else {
        problems.warning(field + ".address", "no address: reaching it through its network's gateway is not"
            + " supported by this Bosun release yet; it gets no traffic");
      }
    } else if (address.startsWith("unix://")) {
      if (!address.startsWith("unix:///")) {
        problems.error(field + ".address", "a unix domain socket needs an absolute path, not \"" + address + "\"");
      }
    } else if (!Hosts.isIpv4(address) && !Hosts.isValidName(address) && !address.contains(":")) {
      problems.error(field + ".address", "must be an IP address, a host name or unix:///path, not \""
          + Problems.truncate(address) + "\"");
    }
    Map<String, Integer> ports = new TreeMap<>();
    new TreeMap<>(we.getPorts() == null ? Map.<String, Long>of() : we.getPorts()).forEach((name, number) -> {
      if (name.isEmpty() || !name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
        problems.error(field + ".ports." + name, "invalid port name \"" + name + "\"");
      } else if (Checks.port(number, field + ".ports." + name, problems)) {
        ports.put(name, number.intValue());
      }
    });
    Map<String, String> labels = labels(we.getLabels(), field + ".labels", problems);
    long weight = we.getWeight() == null ? 0 : we.getWeight();
    if (weight < 0 || weight > 0xFFFFFFFFL) {
      problems.error(field + ".weight", "must be between 0 and 4294967295");
    }
    if (we.getLocality() != null && we.getLocality().split("/", -1).length > 3) {
      problems.error(field + ".locality", "must be region/zone/subzone, not \"" + we.getLocality() + "\"");
    }
    return new Fields(ports, labels, (int) Math.min(weight, Integer.MAX_VALUE));
  }

  private static Map<String, String> labels(Map<String, String> labels, String field, Problems problems) {
    Map<String, String> out = new TreeMap<>();
    if (labels == null) {
      return out;
    }
    labels.forEach((k, v) -> {
      if (!Checks.labelKey(k)) {
        problems.error(field, "invalid label key \"" + Problems.truncate(k) + "\"");
      } else if (!Checks.labelValue(v)) {
        problems.error(field + "." + k, "invalid label value \"" + Problems.truncate(v) + "\"");
      } else {
        out.put(k, v);
      }
    });
    return out;
  }

  /** Istio's probe: exactly one of httpGet, tcpSocket, exec, grpc, with a valid port; described for logs. */
  private static String probe(ReadinessProbe probe, Problems problems) {
    if (probe == null) {
      return "";
    }
    String field = "spec.probe";
    for (var e : Map.of("initialDelaySeconds", value(probe.getInitialDelaySeconds()), "timeoutSeconds",
        value(probe.getTimeoutSeconds()), "periodSeconds", value(probe.getPeriodSeconds()), "successThreshold",
        value(probe.getSuccessThreshold()), "failureThreshold", value(probe.getFailureThreshold())).entrySet()) {
      if (e.getValue() < 0) {
        problems.error(field + "." + e.getKey(), "must not be negative");
      }
    }
    var method = probe.getHealthCheckMethod();
    if (method == null) {
      problems.error(field, "one of httpGet, tcpSocket, exec or grpc is required");
      return "";
    }
    problems.warning(field, "WorkloadGroup probes are run by Istio's agent on the VM, which Bosun does not have:"
        + " report a VM's health with its WorkloadEntry's Healthy status condition instead");
    if (method instanceof ReadinessProbeHttpGet h && h.getHttpGet() != null) {
      probePort(h.getHttpGet().getPort(), field + ".httpGet.port", problems);
      return "httpGet :" + h.getHttpGet().getPort() + (h.getHttpGet().getPath() == null ? "/"
          : h.getHttpGet().getPath());
    }
    if (method instanceof ReadinessProbeTcpSocket t && t.getTcpSocket() != null) {
      probePort(t.getTcpSocket().getPort(), field + ".tcpSocket.port", problems);
      return "tcpSocket :" + t.getTcpSocket().getPort();
    }
    if (method instanceof ReadinessProbeGrpc g && g.getGrpc() != null) {
      probePort(g.getGrpc().getPort(), field + ".grpc.port", problems);
      return "grpc :" + g.getGrpc().getPort();
    }
    if (method instanceof ReadinessProbeExec x && x.getExec() != null) {
      if (x.getExec().getCommand() == null || x.getExec().getCommand().isEmpty()) {
        problems.error(field + ".exec.command", "a command is required");
      }
      return "exec";
    }
    problems.error(field, "one of httpGet, tcpSocket, exec or grpc is required");
    return "";
  }

  private static int value(Integer v) {
    return v == null ? 0 : v;
  }

  private static void probePort(Long port, String field, Problems problems) {
    Checks.port(port, field, problems);
  }

  /** False only when the status says {@code Healthy: False}. */
  private static boolean healthy(JsonNode status) {
    if (status == null) {
      return true;
    }
    for (JsonNode c : status.path("conditions")) {
      if (c.path("type").asText().equals("Healthy")) {
        return !c.path("status").asText().equalsIgnoreCase("False");
      }
    }
    return true;
  }
}
