package io.bosun.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The Istio objects the e2e tests apply, and applying YAML as `kubectl apply --server-side` would. */
final class Manifests {
  private Manifests() {
  }

  static void apply(KubernetesClient k, String yaml) {
    for (String doc : yaml.split("(?m)^---$")) {
      k.resource(k.getKubernetesSerialization().unmarshal(doc, GenericKubernetesResource.class)).serverSideApply();
    }
  }

  /** reviews in {@code ns}: a STATIC ServiceEntry with a v1 and a v2 endpoint on loopback, and their subsets. */
  static String reviews(String ns, int v1Port, int v2Port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews, namespace: %1$s}
        spec:
          hosts: [reviews.%1$s.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 9080, protocol: HTTP}]
          endpoints:
          - {address: 127.0.0.1, ports: {http: %2$d}, labels: {version: v1}}
          - {address: 127.0.0.1, ports: {http: %3$d}, labels: {version: v2}}
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: DestinationRule
        metadata: {name: reviews, namespace: %1$s}
        spec:
          host: reviews
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        """.formatted(ns, v1Port, v2Port);
  }

  /** A Gateway for the ingress gateway proxy with one plain-HTTP server on {@code port}. */
  static String gateway(String ns, int port) {
    return """
        apiVersion: networking.istio.io/v1alpha3
        kind: Gateway
        metadata: {name: gw, namespace: %s}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: %d, name: http, protocol: HTTP}, hosts: ["*"]}]
        """.formatted(ns, port);
  }
}
