package io.bosun.model;

import java.util.Map;

/**
 * One workload instance behind a service.
 *
 * @param ports   port per service port name (Kubernetes EndpointSlice port names / ServiceEntry
 *                endpoint ports); a service port absent here uses its targetPort
 * @param ready   false for not-ready or terminating endpoints, which get no traffic
 * @param pod     the Pod behind a Kubernetes endpoint (its labels select subsets), or empty
 * @param serviceAccount the workload's service account (its identity, for SAN checks), or empty
 */
public record Endpoint(String address, Map<String, Integer> ports, Map<String, String> labels,
                       boolean ready, String locality, int weight, String pod, String serviceAccount) {
  /** The label the injector gives meshed pods (Istio's): their sidecar accepts mutual TLS. */
  public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

  public Endpoint {
    pod = pod == null ? "" : pod;
    serviceAccount = serviceAccount == null ? "" : serviceAccount;
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
    locality = locality == null ? "" : locality;
  }

  public Endpoint(String address, Map<String, Integer> ports, Map<String, String> labels,
                  boolean ready, String locality, int weight, String pod) {
    this(address, ports, labels, ready, locality, weight, pod, "");
  }

  /** Whether a sidecar fronts this workload and takes mutual TLS ({@code security.istio.io/tlsMode: istio}). */
  public boolean meshed() {
    return "istio".equals(labels.get(TLS_MODE_LABEL));
  }

  public int portFor(ServicePort servicePort) {
    Integer p = ports.get(servicePort.name());
    if (p == null) {
      p = ports.get(Integer.toString(servicePort.number()));
    }
    return p != null ? p : servicePort.targetPort();
  }

  public Endpoint withLabels(Map<String, String> newLabels) {
    return new Endpoint(address, ports, newLabels, ready, locality, weight, pod, serviceAccount);
  }

  public Endpoint withLocality(String newLocality) {
    return new Endpoint(address, ports, labels, ready, newLocality, weight, pod, serviceAccount);
  }

  public Endpoint withServiceAccount(String account) {
    return new Endpoint(address, ports, labels, ready, locality, weight, pod, account);
  }

  public boolean matches(Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
