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
 * are named with their plural so no discovery round trip is needed. An Istio kind is read at the
 * newest version the cluster serves (v1, else v1beta1, else networking's v1alpha3: an older Istio's
 * CRDs); a kind no version of which is served is left out and named in {@link Read#missing()}.
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

  /** The versions to try for {@code t}, newest first. */
  static List<Type> versions(Type t) {
    List<String> older = switch (t.group()) {
      case "networking.istio.io" -> List.of("v1beta1", "v1alpha3");
      case "security.istio.io" -> List.of("v1beta1");
      default -> List.of();
    };
    List<Type> out = new ArrayList<>(List.of(t));
    older.forEach(v -> out.add(new Type(t.group(), v, t.kind(), t.plural(), t.namespaced())));
    return out;
  }

  static Read read(KubernetesClient client) {
    List<JsonNode> objects = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (Type wanted : TYPES) {
      List<GenericKubernetesResource> items = null;
      Type t = wanted;
      for (Type version : versions(wanted)) {
        t = version;
        items = list(client, version);
        if (items != null) {
          break;
        }
      }
      if (items == null) {
        missing.add(wanted.apiVersion() + " " + wanted.kind());
        continue;
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

  /** Every object of {@code t}, or {@code null} when the API server does not serve that version. */
  private static List<GenericKubernetesResource> list(KubernetesClient client, Type t) {
    ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(t.group())
        .withVersion(t.version()).withKind(t.kind()).withPlural(t.plural()).withNamespaced(t.namespaced()).build();
    try {
      var resources = client.genericKubernetesResources(context);
      return (t.namespaced() ? resources.inAnyNamespace().list() : resources.list()).getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw new CommandFailure("cannot list " + t.kind() + " objects from the API server ("
          + client.getMasterUrl() + "): " + e.getMessage(), e);
    }
  }
}
