package io.bosun.config;

import io.bosun.model.Endpoint;
import io.bosun.model.EndpointSlice;
import io.bosun.model.Hosts;
import io.bosun.model.KubeService;
import io.bosun.model.Localities;
import io.bosun.model.NamespaceInfo;
import io.bosun.model.NodeInfo;
import io.bosun.model.PodInfo;
import io.bosun.model.ResourceRef;
import io.bosun.model.ServicePort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Core Kubernetes objects (Service, EndpointSlice, Pod) to the model. */
final class KubeConverter {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private KubeConverter() {
  }

  static Conversion service(ResourceRef ref, String source, Service svc) {
    Problems problems = new Problems(source, ref);
    var spec = svc.getSpec();
    if (spec == null) {
      problems.error("spec", "spec is required");
      return Conversion.of(ref, null, problems);
    }
    List<ServicePort> ports = new ArrayList<>();
    var list = spec.getPorts() == null ? List.<io.fabric8.kubernetes.api.model.ServicePort>of() : spec.getPorts();
    for (int i = 0; i < list.size(); i++) {
      var p = list.get(i);
      String field = "spec.ports[" + i + "]";
      if ("UDP".equals(p.getProtocol()) || "SCTP".equals(p.getProtocol())) {
        continue; // the mesh carries TCP only
      }
      if (p.getPort() == null || !Checks.port(p.getPort().longValue(), field + ".port", problems)) {
        continue;
      }
      int target = p.getPort();
      IntOrString tp = p.getTargetPort();
      if (tp != null && tp.getIntVal() != null) {
        target = tp.getIntVal();
      }
      // Kubernetes' protocol field is L4; Istio's protocol comes from appProtocol or the port name.
      ports.add(new ServicePort(p.getName(), p.getPort(), p.getAppProtocol(), target));
    }
    String clusterIp = spec.getClusterIP() == null || "None".equals(spec.getClusterIP()) ? "" : spec.getClusterIP();
    Map<String, String> annotations = svc.getMetadata().getAnnotations() == null ? Map.of()
        : svc.getMetadata().getAnnotations();
    List<String> exportTo = Checks.exportTo(splitList(annotations.get(KubeService.EXPORT_TO_ANNOTATION)),
        "metadata.annotations." + KubeService.EXPORT_TO_ANNOTATION, ref.namespace(), true, problems);
    return Conversion.of(ref, new KubeService(ref, clusterIp, ports, exportTo, spec.getSelector()), problems);
  }

  private static List<String> splitList(String csv) {
    List<String> out = new ArrayList<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  static Conversion namespace(ResourceRef ref, String source, Namespace ns) {
    Map<String, String> labels = ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
    return Conversion.of(ref, new NamespaceInfo(ref.name(), labels), new Problems(source, ref));
  }

  static Conversion pod(ResourceRef ref, String source, Pod pod) {
    Problems problems = new Problems(source, ref);
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    String ip = pod.getStatus() == null || pod.getStatus().getPodIP() == null ? "" : pod.getStatus().getPodIP();
    String node = pod.getSpec() == null ? "" : pod.getSpec().getNodeName();
    String serviceAccount = pod.getSpec() == null ? "" : pod.getSpec().getServiceAccountName();
    return Conversion.of(ref, new PodInfo(ref, ip, labels, node, serviceAccount), problems);
  }

  static Conversion node(ResourceRef ref, String source, Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    return Conversion.of(ref, new NodeInfo(ref, Localities.ofNode(labels)), new Problems(source, ref));
  }

  static Conversion endpointSlice(ResourceRef ref, String source,
      io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice) {
    Problems problems = new Problems(source, ref);
    Map<String, String> labels = slice.getMetadata().getLabels() == null ? Map.of() : slice.getMetadata().getLabels();
    String serviceName = labels.get(SERVICE_NAME_LABEL);
    if (serviceName == null || serviceName.isBlank()) {
      problems.error("metadata.labels." + SERVICE_NAME_LABEL, "label naming the Service is required");
    }
    Map<String, Integer> ports = new TreeMap<>();
    var slicePorts = slice.getPorts() == null ? List.<EndpointPort>of()
        : slice.getPorts();
    for (int i = 0; i < slicePorts.size(); i++) {
      var p = slicePorts.get(i);
      if (p.getPort() != null && Checks.port(p.getPort().longValue(), "ports[" + i + "].port", problems)) {
        ports.put(p.getName() == null ? "" : p.getName(), p.getPort());
      }
    }
    List<Endpoint> endpoints = new ArrayList<>();
    var eps = slice.getEndpoints() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint>of()
        : slice.getEndpoints();
    for (int i = 0; i < eps.size(); i++) {
      var e = eps.get(i);
      var c = e.getConditions();
      // Kubernetes: a nil ready condition means ready; terminating endpoints get no new traffic.
      boolean ready = (c == null || c.getReady() == null || c.getReady())
          && (c == null || c.getTerminating() == null || !c.getTerminating());
      var addresses = e.getAddresses() == null ? List.<String>of() : e.getAddresses();
      for (int j = 0; j < addresses.size(); j++) {
        String a = addresses.get(j);
        if (!Hosts.isIpv4(a)) {
          problems.error("endpoints[" + i + "].addresses[" + j + "]", "invalid IPv4 address \"" + a + "\"");
          continue;
        }
        String pod = e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind()) ? e.getTargetRef().getName()
            : "";
        endpoints.add(new Endpoint(a, ports, Map.of(), ready, e.getZone() == null ? "" : "/" + e.getZone(), 0, pod));
      }
    }
    return Conversion.of(ref, new EndpointSlice(ref, serviceName == null ? "" : serviceName, endpoints), problems);
  }
}
