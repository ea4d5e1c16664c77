package io.bosun.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.istio.api.api.security.v1beta1.PeerAuthentication;
import io.fabric8.istio.api.api.security.v1beta1.RequestAuthentication;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns YAML text (one or many documents) into validated model objects. The single entry point
 * for every source, so a resource means the same thing whether it came from a file or the API.
 */
public final class ConfigParser {
  public static final String ISTIO_GROUP = "networking.istio.io";
  private static final Set<String> ISTIO_VERSIONS = Set.of("v1", "v1beta1", "v1alpha3");
  private static final Set<String> SECURITY_VERSIONS = Set.of("v1", "v1beta1");

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  /** What one file yielded: conversions per document plus errors that belong to no single object. */
  public record Parsed(List<Conversion> conversions, List<ConfigError> fileErrors) {
  }

  public Parsed parse(String source, String text) {
    List<Conversion> out = new ArrayList<>();
    List<ConfigError> fileErrors = new ArrayList<>();
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        docs.add(it.nextValue());
      }
    } catch (IOException | RuntimeException e) {
      fileErrors.add(ConfigError.error(source, null, "", "not valid YAML: " + firstLine(e.getMessage())));
      return new Parsed(List.of(), fileErrors);
    }
    for (int i = 0; i < docs.size(); i++) {
      JsonNode doc = docs.get(i);
      if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
        continue; // empty document, e.g. a trailing "---"
      }
      if (!doc.isObject()) {
        // plain text, a number, one word: a file overwritten by mistake must not delete its objects (finding 8)
        fileErrors.add(ConfigError.error(source, null, "document " + (i + 1), "not a Kubernetes object but "
            + (doc.isTextual() ? "text \"" + Problems.truncate(doc.asText()) + "\"" : "a " + doc.getNodeType()
                .toString().toLowerCase(Locale.ROOT))));
        continue;
      }
      Conversion c;
      try {
        c = convert(source, doc, "document " + (i + 1));
      } catch (StackOverflowError | RuntimeException e) {
        // a bug or an input nothing else caught: this object is refused, the rest of the file is not
        fileErrors.add(ConfigError.error(source, null, "document " + (i + 1), "cannot be processed: " + e));
        continue;
      }
      if (c.ref() == null) {
        fileErrors.addAll(c.problems());
      } else {
        out.add(c);
      }
    }
    return new Parsed(out, fileErrors);
  }

  /** Converts one object given as a JSON/YAML tree. */
  public Conversion convert(String source, JsonNode doc, String where) {
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    String namespace = doc.path("metadata").path("namespace").asText("");
    if (kind.isEmpty() || apiVersion.isEmpty()) {
      return new Conversion(source, null, null, List.of(ConfigError.error(source, null, where,
          "apiVersion and kind are required")));
    }
    Optional<Kind> known = Kind.of(kind);
    if (namespace.isEmpty() && !known.map(Kind::clusterScoped).orElse(false)) {
      namespace = "default";
    }
    if (known.isEmpty()) {
      // not a kind Bosun stores: reported against the file, naming the object
      return new Conversion(source, null, null, List.of(ConfigError.error(source, null, "",
          kind + " " + namespace + "/" + name + ": kind: " + unsupported(apiVersion, kind))));
    }
    ResourceRef ref = new ResourceRef(known.get(), namespace, name);
    if (name.isEmpty()) {
      return new Conversion(source, null, null, List.of(ConfigError.error(source, ref, "metadata.name",
          "name is required")));
    }
    boolean core = apiVersion.equals("v1") || apiVersion.startsWith("discovery.k8s.io/");
    try {
      return switch (apiVersion + "/" + kind) {
        case "v1/Service" -> KubeConverter.service(ref, source,
            serialization.convertValue(doc, Service.class));
        case "v1/Namespace" -> KubeConverter.namespace(ref, source,
            serialization.convertValue(doc, Namespace.class));
        case "v1/ConfigMap" -> MeshConfigConverter.convert(ref, source, doc);
        case "v1/Secret" -> SecretConverter.convert(ref, source,
            serialization.convertValue(doc, Secret.class));
        case "v1/Node" -> KubeConverter.node(ref, source,
            serialization.convertValue(doc, Node.class));
        case "v1/Pod" -> KubeConverter.pod(ref, source,
            serialization.convertValue(doc, Pod.class));
        case "discovery.k8s.io/v1/EndpointSlice" -> KubeConverter.endpointSlice(ref, source,
            serialization.convertValue(doc, EndpointSlice.class));
        default -> DocumentChecks.apply(istio(source, ref, apiVersion, doc), doc);
      };
    } catch (IllegalArgumentException e) {
      return new Conversion(source, ref, null, List.of(ConfigError.error(source, ref, fieldOf(e, core ? "" : "spec"),
          mappingMessage(e))));
    }
  }

  private Conversion istio(String source, ResourceRef ref, String apiVersion, JsonNode doc) {
    int slash = apiVersion.indexOf('/');
    String group = slash > 0 ? apiVersion.substring(0, slash) : "";
    String version = apiVersion.substring(slash + 1);
    boolean istio = !group.isEmpty() && group.equals(ref.kind().group())
        && (group.equals(ISTIO_GROUP) ? ISTIO_VERSIONS : SECURITY_VERSIONS).contains(version);
    JsonNode spec = doc.get("spec");
    if (istio) {
      switch (ref.kind()) {
        case VIRTUAL_SERVICE -> {
          return VirtualServiceConverter.convert(ref, source, spec(spec, VirtualService.class));
        }
        case DESTINATION_RULE -> {
          return DestinationRuleConverter.convert(ref, source, spec(spec, DestinationRule.class));
        }
        case GATEWAY -> {
          return GatewayConverter.convert(ref, source, spec(spec, Gateway.class));
        }
        case SERVICE_ENTRY -> {
          return ServiceEntryConverter.convert(ref, source, spec(spec, ServiceEntry.class));
        }
        case SIDECAR -> {
          return SidecarConverter.convert(ref, source, spec(spec,
              io.fabric8.istio.api.api.networking.v1alpha3.Sidecar.class));
        }
        case WORKLOAD_ENTRY -> {
          return WorkloadConverter.entry(ref, source, spec(spec,
              io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry.class), doc.get("status"));
        }
        case WORKLOAD_GROUP -> {
          return WorkloadConverter.group(ref, source, spec(spec,
              io.fabric8.istio.api.api.networking.v1alpha3.WorkloadGroup.class));
        }
        case PEER_AUTHENTICATION -> {
          return PeerAuthenticationConverter.convert(ref, source, spec(spec, PeerAuthentication.class), spec);
        }
        case AUTHORIZATION_POLICY -> {
          JsonNode dryRun = doc.path("metadata").path("annotations").get(AuthorizationPolicyConverter.DRY_RUN);
          return AuthorizationPolicyConverter.convert(ref, source, spec(spec, AuthorizationPolicy.class), spec,
              dryRun == null || dryRun.isNull() ? null : dryRun.asText());
        }
        case REQUEST_AUTHENTICATION -> {
          return RequestAuthenticationConverter.convert(ref, source, spec(spec, RequestAuthentication.class));
        }
        default -> {
          // not an Istio kind Bosun reads: reported below
        }
      }
    }
    return new Conversion(source, ref, null, List.of(ConfigError.error(source, ref, "kind",
        unsupported(apiVersion, ref.kind().kindName()))));
  }

  private static String unsupported(String apiVersion, String kind) {
    return "unsupported kind " + apiVersion + " " + kind
        + " (supported: networking.istio.io VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar,"
        + " WorkloadEntry, WorkloadGroup;"
        + " security.istio.io v1/v1beta1 PeerAuthentication, AuthorizationPolicy, RequestAuthentication;"
        + " v1 Service, Pod, Node, Namespace, Secret (TLS), ConfigMap istio (mesh config);"
        + " discovery.k8s.io/v1 EndpointSlice)";
  }

  private <T> T spec(JsonNode spec, Class<T> type) {
    return spec == null || spec.isNull() ? null : serialization.convertValue(spec, type);
  }

  private static String fieldOf(IllegalArgumentException e, String prefix) {
    Throwable t = e;
    while (t != null && !(t instanceof JsonMappingException)) {
      t = t.getCause();
    }
    if (t instanceof JsonMappingException jme) {
      StringBuilder sb = new StringBuilder(prefix);
      for (JsonMappingException.Reference r : jme.getPath()) {
        if (r.getFieldName() != null) {
          sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
        } else if (r.getIndex() >= 0) {
          sb.append('[').append(r.getIndex()).append(']');
        }
      }
      return sb.toString();
    }
    return "";
  }

  private static String mappingMessage(IllegalArgumentException e) {
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof JsonProcessingException)) {
      t = t.getCause();
    }
    String m = t instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : t.getMessage();
    return "invalid value: " + firstLine(m);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
