package io.bosun.model;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of object Bosun reads, by their Kubernetes names. */
public enum Kind {
  AUTHORIZATION_POLICY("AuthorizationPolicy", true),
  CONFIG_MAP("ConfigMap", false),
  DESTINATION_RULE("DestinationRule", true),
  ENDPOINT_SLICE("EndpointSlice", false),
  GATEWAY("Gateway", true),
  NAMESPACE("Namespace", false),
  NODE("Node", false),
  PEER_AUTHENTICATION("PeerAuthentication", true),
  POD("Pod", false),
  REQUEST_AUTHENTICATION("RequestAuthentication", true),
  SECRET("Secret", false),
  SERVICE("Service", false),
  SERVICE_ENTRY("ServiceEntry", true),
  SIDECAR("Sidecar", true),
  VIRTUAL_SERVICE("VirtualService", true),
  WORKLOAD_ENTRY("WorkloadEntry", true),
  WORKLOAD_GROUP("WorkloadGroup", true);

  private final String kindName;
  private final boolean istio;

  Kind(String kindName, boolean istio) {
    this.kindName = kindName;
    this.istio = istio;
  }

  /** The Kubernetes {@code kind}, e.g. {@code VirtualService}. */
  public String kindName() {
    return kindName;
  }

  /** An Istio resource (networking.istio.io or security.istio.io), which carries Bosun's status. */
  public boolean istio() {
    return istio;
  }

  /** The API group of an Istio kind ({@code security.istio.io} or {@code networking.istio.io}); "" for others. */
  public String group() {
    if (!istio) {
      return "";
    }
    return this == AUTHORIZATION_POLICY || this == PEER_AUTHENTICATION || this == REQUEST_AUTHENTICATION
        ? "security.istio.io" : "networking.istio.io";
  }

  /** Whether objects of this kind have no namespace. */
  public boolean clusterScoped() {
    return this == NAMESPACE || this == NODE;
  }

  public static Optional<Kind> of(String kindName) {
    return Arrays.stream(values()).filter(k -> k.kindName.equals(kindName)).findFirst();
  }

  @Override
  public String toString() {
    return kindName;
  }
}
