package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads, once, every object of a cluster that analysis looks at, in all namespaces (a reference may
 * cross namespaces, so even {@code -n} needs them all), as the JSON trees Bosun's parser takes. Kinds
 * are named with their plural so no discovery round trip is needed; a kind whose CRD is not
 * installed is left out and named in {@link Read#missing()}.
 */
final class ClusterObjects {
  /** One kind: API group ("" for core), version, kind, plural, and whether it lives in namespaces. */
  record Type(String group, String version, String kind, String plural, boolean namespaced) {
    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  static final List<Type> TYPES = List.of(
      new Type("networking.istio.io", "v1", "VirtualService", "virtualservices", true),
      new Type("networking.istio.io", "v1", "DestinationRule", "destinationrules", true),
      new Type("networking.istio.io", "v1", "Gateway", "gateways", true),
      new Type("networking.istio.io", "v1", "ServiceEntry", "serviceentries", true),
      new Type("networking.istio.io", "v1", "Sidecar", "sidecars", true),
      new Type("networking.istio.io", "v1", "WorkloadEntry", "workloadentries", true),
      new Type("security.istio.io", "v1", "PeerAuthentication", "peerauthentications", true),
      new Type("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies", true),
      new Type("security.istio.io", "v1", "RequestAuthentication", "requestauthentications", true),
      new Type("", "v1", "Service", "services", true),
      new Type("", "v1", "Pod", "pods", true),
      new Type("", "v1", "Namespace", "namespaces", false),
      new Type("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true));

  /** What was read: every object as a tree, and the kinds the API server does not serve. */
  record Read(List<JsonNode> objects, List<String> missing) {
  }

  private ClusterObjects() {
  }

  static Read read(KubernetesClient client) {
    List<JsonNode> objects = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (Type t : TYPES) {
      ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(t.group())
          .withVersion(t.version()).withKind(t.kind()).withPlural(t.plural()).withNamespaced(t.namespaced()).build();
      List<GenericKubernetesResource> items;
      try {
        var resources = client.genericKubernetesResources(context);
        items = (t.namespaced() ? resources.inAnyNamespace().list() : resources.list()).getItems();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          missing.add(t.apiVersion() + " " + t.kind());
          continue;
        }
        throw new CommandFailure("cannot list " + t.kind() + " objects from the API server ("
            + client.getMasterUrl() + "): " + e.getMessage(), e);
      }
      for (GenericKubernetesResource item : items) {
        // a list's items may come without apiVersion and kind; the parser needs both
        item.setApiVersion(t.apiVersion());
        item.setKind(t.kind());
        objects.add(client.getKubernetesSerialization().convertValue(item, JsonNode.class));
      }
    }
    return new Read(objects, missing);
  }
}
