package io.bosun.model;

import java.util.Map;

/**
 * One workload instance behind a service.
 *
 * @param ports   port per service port name (Kubernetes EndpointSlice port names / ServiceEntry
 *                endpoint ports); a service port absent here uses its targetPort
 * @param ready   false for not-ready or terminating endpoints, which get no traffic
 * @param pod     the Pod behind a Kubernetes endpoint (its labels select subsets), or empty
 */
public record Endpoint(String address, Map<String, Integer> ports, Map<String, String> labels,
                       boolean ready, String locality, int weight, String pod) {
  public Endpoint {
    pod = pod == null ? "" : pod;
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
  }

  public int portFor(ServicePort servicePort) {
    Integer p = ports.get(servicePort.name());
    if (p == null) {
      p = ports.get(Integer.toString(servicePort.number()));
    }
    return p != null ? p : servicePort.targetPort();
  }

  public Endpoint withLabels(Map<String, String> newLabels) {
    return new Endpoint(address, ports, newLabels, ready, locality, weight, pod);
  }

  public Endpoint withLocality(String newLocality) {
    return new Endpoint(address, ports, labels, ready, newLocality, weight, pod);
  }

  public boolean matches(Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
