package io.bosun.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic Kubernetes mesh as the API server would hand it to Bosun: {@code services} Services
 * spread over {@code namespaces} namespaces, each with its pods (labels app and version, v1 and v2
 * alternating), one EndpointSlice, a DestinationRule with subsets v1 and v2, and a VirtualService
 * splitting traffic between them. Text, so Bosun reads it through its own parser, as it reads the
 * informers' objects. Pure: the same sizes always give the same documents.
 */
record MeshGen(int services, int namespaces, int replicas, boolean scoped) {
  /** Replicas a service can be scaled to (the pod IP scheme reserves this many per service). */
  static final int MAX_REPLICAS = 256;

  MeshGen(int services, int namespaces, int replicas) {
    this(services, namespaces, replicas, false);
  }

  MeshGen {
    if (services < 1 || namespaces < 1 || replicas < 0 || replicas > MAX_REPLICAS) {
      throw new IllegalArgumentException("services and namespaces >= 1, replicas 0.." + MAX_REPLICAS);
    }
  }

  static String name(int service) {
    return "svc-" + service;
  }

  String namespace(int service) {
    return "ns-" + (service % namespaces);
  }

  String host(int service) {
    return name(service) + "." + namespace(service) + ".svc.cluster.local";
  }

  /** Pod {@code replica} of {@code service}: 10.64.0.0/10 holds 256 per service. */
  static String podIp(int service, int replica) {
    int e = service * MAX_REPLICAS + replica;
    return "10." + (64 + e / 65536) + "." + (e / 256 % 256) + "." + (e % 256);
  }

  static String podName(int service, int replica) {
    return name(service) + "-" + replica;
  }

  static String version(int replica) {
    return replica % 2 == 0 ? "v1" : "v2";
  }

  /** Everything, at {@code replicas} per service and a 90/10 split. */
  List<String> all() {
    List<String> docs = new ArrayList<>();
    for (int s = 0; s < services; s++) {
      docs.add(service(s));
      for (int r = 0; r < replicas; r++) {
        docs.add(pod(s, r));
      }
      docs.add(endpoints(s, replicas));
      docs.add(destinationRule(s));
      docs.add(virtualService(s, 90));
    }
    if (scoped) {
      for (int n = 0; n < namespaces; n++) {
        docs.add(sidecar("ns-" + n));
      }
    }
    return docs;
  }

  /** A namespace's Sidecar importing only its own services (what scoping a mesh usually starts with). */
  static String sidecar(String namespace) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: %s}
        spec:
          egress: [{hosts: ["./*"]}]
        """.formatted(namespace);
  }

  /** Whether a sidecar of {@code namespace} imports {@code service}. */
  boolean visible(int service, String namespace) {
    return !scoped || namespace(service).equals(namespace);
  }

  String service(int s) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: %s}
        spec:
          clusterIP: 10.96.%d.%d
          selector: {app: %s}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """.formatted(name(s), namespace(s), s / 250, s % 250 + 1, name(s));
  }

  String pod(int s, int r) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: %s, labels: {app: %s, version: %s}}
        spec: {containers: [{name: app, image: app}]}
        status: {podIP: %s}
        """.formatted(podName(s, r), namespace(s), name(s), version(r), podIp(s, r));
  }

  /** The service's EndpointSlice with its first {@code count} pods. */
  String endpoints(int s, int count) {
    StringBuilder eps = new StringBuilder();
    for (int r = 0; r < count; r++) {
      eps.append("\n- {addresses: [").append(podIp(s, r))
          .append("], conditions: {ready: true}, targetRef: {kind: Pod, ")
          .append("name: ").append(podName(s, r)).append(", namespace: ").append(namespace(s)).append("}}");
    }
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: %s-1, namespace: %s, labels: {kubernetes.io/service-name: %s}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:%s
        """.formatted(name(s), namespace(s), name(s), count == 0 ? " []" : eps);
  }

  String destinationRule(int s) {
    return """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: %s, namespace: %s}
        spec:
          host: %s
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        """.formatted(name(s), namespace(s), host(s));
  }

  /** {@code v1Weight}% to v1, the rest to v2. */
  String virtualService(int s, int v1Weight) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          http:
          - route:
            - {destination: {host: %s, subset: v1}, weight: %d}
            - {destination: {host: %s, subset: v2}, weight: %d}
        """.formatted(name(s), namespace(s), host(s), host(s), v1Weight, host(s), 100 - v1Weight);
  }
}
