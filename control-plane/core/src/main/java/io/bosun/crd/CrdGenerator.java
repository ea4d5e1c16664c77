package io.bosun.crd;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.istio.api.api.networking.v1alpha3.DestinationRule;
import io.fabric8.istio.api.api.networking.v1alpha3.Gateway;
import io.fabric8.istio.api.api.networking.v1alpha3.ServiceEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.Sidecar;
import io.fabric8.istio.api.api.networking.v1alpha3.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadEntry;
import io.fabric8.istio.api.api.networking.v1alpha3.WorkloadGroup;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy;
import io.fabric8.istio.api.api.security.v1beta1.PeerAuthentication;
import io.fabric8.istio.api.api.security.v1beta1.RequestAuthentication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bosun's CustomResourceDefinitions for the Istio kinds it reads: networking.istio.io served as
 * v1, v1beta1 and v1alpha3, security.istio.io as v1 and v1beta1, with one schema (stored as v1),
 * typed spec, status subresource, Istio's short names, categories and printer columns.
 * {@code main(dir)} writes them; a test keeps the committed files equal to this output.
 */
public final class CrdGenerator {
  public static final String GROUP = "networking.istio.io";
  public static final String SECURITY_GROUP = "security.istio.io";
  static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
  static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");

  /** One kind: its API group, its spec class and how kubectl shows it. */
  public record Kind(String group, String kind, String plural, String shortName, Class<?> spec,
                     List<Map<String, Object>> columns) {
    /** A networking.istio.io kind. */
    public Kind(String kind, String plural, String shortName, Class<?> spec, List<Map<String, Object>> columns) {
      this(GROUP, kind, plural, shortName, spec, columns);
    }

    public String fileName() {
      return name() + ".yaml";
    }

    /** The CRD's name, {@code <plural>.<group>}. */
    public String name() {
      return plural + "." + group;
    }

    /** The versions served, as Istio serves them; the first is stored. */
    public List<String> versions() {
      return group.equals(GROUP) ? VERSIONS : SECURITY_VERSIONS;
    }
  }

  public static final List<Kind> KINDS = List.of(
      new Kind("VirtualService", "virtualservices", "vs",
          VirtualService.class,
          List.of(column("Gateways", "string", ".spec.gateways",
              "The names of gateways and sidecars that should apply these routes"),
              column("Hosts", "string", ".spec.hosts", "The destination hosts to which traffic is being sent"), age())),
      new Kind("DestinationRule", "destinationrules", "dr",
          DestinationRule.class,
          List.of(column("Host", "string", ".spec.host", "The name of a service from the service registry"), age())),
      new Kind("Gateway", "gateways", "gw", Gateway.class, List.of(age())),
      new Kind("ServiceEntry", "serviceentries", "se",
          ServiceEntry.class,
          List.of(column("Hosts", "string", ".spec.hosts", "The hosts associated with the ServiceEntry"),
              column("Location", "string", ".spec.location",
                  "Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)"),
              column("Resolution", "string", ".spec.resolution",
                  "Service resolution mode for the hosts (NONE, STATIC, or DNS)"),
              age())),
      new Kind("Sidecar", "sidecars", null, Sidecar.class, List.of(age())),
      new Kind("WorkloadEntry", "workloadentries", "we", WorkloadEntry.class,
          List.of(age(),
              column("Address", "string", ".spec.address", "Address associated with the network endpoint."))),
      new Kind("WorkloadGroup", "workloadgroups", "wg", WorkloadGroup.class, List.of(age())),
      new Kind(SECURITY_GROUP, "AuthorizationPolicy", "authorizationpolicies", "ap", AuthorizationPolicy.class,
          List.of(column("Action", "string", ".spec.action", "The operation to take."), age())),
      new Kind(SECURITY_GROUP, "PeerAuthentication", "peerauthentications", "pa", PeerAuthentication.class,
          List.of(column("Mode", "string", ".spec.mtls.mode", "Defines the mTLS mode used for peer authentication."),
              age())),
      new Kind(SECURITY_GROUP, "RequestAuthentication", "requestauthentications", "ra",
          RequestAuthentication.class, List.of(age())));

  private CrdGenerator() {
  }

  public static Map<String, Object> crd(Kind k) {
    return crd(k, false);
  }

  /**
   * {@code forHelm}: the copy the bosun-base chart installs as a template, kept on uninstall
   * ({@code helm.sh/resource-policy: keep}) so deleting the chart never deletes users' config,
   * while {@code helm upgrade} still upgrades it (Helm never upgrades a chart's crds/ directory).
   */
  public static Map<String, Object> crd(Kind k, boolean forHelm) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("type", "object");
    status.put("x-kubernetes-preserve-unknown-fields", true);
    // conditions keyed by type: each writer owns its own (server-side apply), Bosun's "Reconciled"
    // never replaces another controller's condition
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "object");
    condition.put("required", List.of("type"));
    condition.put("properties", map(
        "type", map("type", "string"),
        "status", map("type", "string"),
        "reason", map("type", "string"),
        "message", map("type", "string"),
        "lastProbeTime", map("type", "string", "format", "date-time"),
        "lastTransitionTime", map("type", "string", "format", "date-time"),
        "observedGeneration", map("type", "integer", "format", "int64")));
    Map<String, Object> conditions = new LinkedHashMap<>();
    conditions.put("type", "array");
    conditions.put("x-kubernetes-list-type", "map");
    conditions.put("x-kubernetes-list-map-keys", List.of("type"));
    conditions.put("items", condition);
    status.put("properties", map("conditions", conditions,
        "observedGeneration", map("x-kubernetes-int-or-string", true)));
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("spec", SpecSchema.of(k.spec()));
    properties.put("status", status);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("type", "object");
    root.put("properties", properties);

    List<Object> versions = k.versions().stream().map(v -> (Object) map(
        "name", v,
        "served", true,
        "storage", v.equals(k.versions().get(0)),
        "subresources", map("status", Map.of()),
        "additionalPrinterColumns", k.columns(),
        "schema", map("openAPIV3Schema", root))).toList();
    return map(
        "apiVersion", "apiextensions.k8s.io/v1",
        "kind", "CustomResourceDefinition",
        "metadata", forHelm
            ? map("name", k.name(), "labels", map("app.kubernetes.io/part-of", "bosun"),
                "annotations", map("helm.sh/resource-policy", "keep"))
            : map("name", k.name(), "labels", map("app.kubernetes.io/part-of", "bosun")),
        "spec", map(
            "group", k.group(),
            "scope", "Namespaced",
            "names", names(k),
            "versions", versions));
  }

  public static String yaml(Kind k) {
    return yaml(k, false);
  }

  /** Istio's names for the kind; Sidecar has no short name. */
  private static Map<String, Object> names(Kind k) {
    Map<String, Object> names = new LinkedHashMap<>();
    names.put("kind", k.kind());
    names.put("listKind", k.kind() + "List");
    names.put("plural", k.plural());
    names.put("singular", k.kind().toLowerCase(Locale.ROOT));
    if (k.shortName() != null) {
      names.put("shortNames", List.of(k.shortName()));
    }
    names.put("categories", List.of("istio-io", k.group().replace('.', '-')));
    return names;
  }

  public static String yaml(Kind k, boolean forHelm) {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    try {
      return "# Generated by " + CrdGenerator.class.getName() + " from the fabric8 Istio model; do not edit.\n"
          + "# Regenerate: ./mvnw -pl control-plane -am test -Dtest=CrdFilesTest -Dgolden.update=true\n"
          + yaml.writeValueAsString(crd(k, forHelm));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "crds");
    Files.createDirectories(dir);
    for (Kind k : KINDS) {
      Files.writeString(dir.resolve(k.fileName()), yaml(k));
    }
  }

  private static Map<String, Object> column(String name, String type, String path, String description) {
    return map("name", name, "type", type, "jsonPath", path, "description", description);
  }

  private static Map<String, Object> age() {
    return map("name", "Age", "type", "date", "jsonPath", ".metadata.creationTimestamp");
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
