package io.bosun.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.testing.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The generated schemas are structural, typed where it matters, and accept every sample. */
class CrdSchemaTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode crd(String kind) {
    return YAML.valueToTree(CrdGenerator.crd(CrdGenerator.KINDS.stream().filter(k -> k.kind().equals(kind))
        .findFirst().orElseThrow()));
  }

  private static JsonNode schema(String kind) {
    return crd(kind).at("/spec/versions/0/schema/openAPIV3Schema");
  }

  @Test
  void everyNodeIsStructural() {
    for (CrdGenerator.Kind k : CrdGenerator.KINDS) {
      List<String> problems = new ArrayList<>();
      structural(schema(k.kind()), "", problems);
      assertThat(problems).as(k.kind()).isEmpty();
    }
  }

  private static void structural(JsonNode node, String path, List<String> problems) {
    boolean free = node.path("x-kubernetes-preserve-unknown-fields").asBoolean()
        || node.path("x-kubernetes-int-or-string").asBoolean();
    if (!node.has("type") && !free) {
      problems.add(path + ": no type");
    }
    if (node.has("properties") && node.has("additionalProperties")) {
      problems.add(path + ": properties and additionalProperties");
    }
    node.path("properties").properties().forEach(e -> structural(e.getValue(), path + "." + e.getKey(), problems));
    if (node.has("items")) {
      structural(node.get("items"), path + "[]", problems);
    }
    if (node.has("additionalProperties")) {
      structural(node.get("additionalProperties"), path + ".*", problems);
    }
  }

  @Test
  void specFieldsAreTyped() {
    assertThat(schema("VirtualService").at("/properties/spec/properties/http/items/properties/route/items/properties"
        + "/destination/properties/host/type").asText()).isEqualTo("string");
    assertThat(schema("VirtualService").at("/properties/spec/properties/http/items/properties/match/items/properties"
        + "/uri/properties").has("prefix")).as("StringMatch oneof flattened").isTrue();
    assertThat(schema("DestinationRule").at("/properties/spec/properties/subsets/items/properties/name/type").asText())
        .isEqualTo("string");
    assertThat(schema("Gateway").at("/properties/spec/properties/servers/items/properties/port/properties/number/type")
        .asText()).isEqualTo("integer");
    assertThat(schema("ServiceEntry").at("/properties/spec/properties/resolution/enum").toString()).contains("STATIC");
    assertThat(schema("ServiceEntry").at("/properties/spec/properties/endpoints/items/properties/address/type")
        .asText()).isEqualTo("string");
  }

  @Test
  void versionsNamesAndColumnsAsIstioShowsThem() {
    JsonNode vs = crd("VirtualService");
    assertThat(vs.at("/spec/versions").findValuesAsText("name")).contains("v1", "v1beta1", "v1alpha3");
    assertThat(vs.at("/spec/versions/0/storage").asBoolean()).isTrue();
    assertThat(vs.at("/spec/versions/1/storage").asBoolean()).isFalse();
    assertThat(vs.at("/spec/versions/0/subresources/status").isObject()).isTrue();
    assertThat(vs.at("/spec/names/shortNames/0").asText()).isEqualTo("vs");
    assertThat(vs.at("/spec/names/categories").toString()).contains("istio-io", "networking-istio-io");
    assertThat(vs.at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("name"))
        .containsExactly("Gateways", "Hosts", "Age");
    assertThat(crd("DestinationRule").at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("name"))
        .containsExactly("Host", "Age");
    assertThat(crd("ServiceEntry").at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("name"))
        .containsExactly("Hosts", "Location", "Resolution", "Age");
    assertThat(crd("Gateway").at("/spec/names/shortNames/0").asText()).isEqualTo("gw");
    assertThat(crd("ServiceEntry").at("/spec/names/shortNames/0").asText()).isEqualTo("se");
    assertThat(crd("DestinationRule").at("/spec/names/shortNames/0").asText()).isEqualTo("dr");
  }

  @Test
  void securityKindsAsIstioServesThem() {
    for (String kind : List.of("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication")) {
      JsonNode crd = crd(kind);
      assertThat(crd.at("/spec/group").asText()).isEqualTo("security.istio.io");
      assertThat(crd.at("/metadata/name").asText()).endsWith(".security.istio.io");
      List<String> versions = new ArrayList<>();
      crd.at("/spec/versions").forEach(v -> versions.add(v.path("name").asText()));
      assertThat(versions).containsExactly("v1", "v1beta1");
      assertThat(crd.at("/spec/versions/0/storage").asBoolean()).isTrue();
      assertThat(crd.at("/spec/versions/1/storage").asBoolean()).isFalse();
      assertThat(crd.at("/spec/names/categories").toString()).contains("istio-io", "security-istio-io");
    }
    assertThat(crd("AuthorizationPolicy").at("/spec/names/shortNames/0").asText()).isEqualTo("ap");
    assertThat(crd("PeerAuthentication").at("/spec/names/shortNames/0").asText()).isEqualTo("pa");
    assertThat(crd("RequestAuthentication").at("/spec/names/shortNames/0").asText()).isEqualTo("ra");
    assertThat(crd("AuthorizationPolicy").at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("jsonPath"))
        .containsExactly(".spec.action", ".metadata.creationTimestamp");
    assertThat(crd("PeerAuthentication").at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("jsonPath"))
        .containsExactly(".spec.mtls.mode", ".metadata.creationTimestamp");
    assertThat(crd("RequestAuthentication").at("/spec/versions/0/additionalPrinterColumns").findValuesAsText("name"))
        .containsExactly("Age");
    assertThat(schema("AuthorizationPolicy").at("/properties/spec/properties/provider/properties/name/type").asText())
        .as("the CUSTOM provider oneof, flattened").isEqualTo("string");
    assertThat(schema("AuthorizationPolicy").at("/properties/spec/properties/action/enum").toString())
        .contains("ALLOW", "DENY", "AUDIT", "CUSTOM");
    JsonNode rule = schema("RequestAuthentication").at("/properties/spec/properties/jwtRules/items/properties");
    assertThat(rule.has("jwksUri") && rule.has("jwks_uri")).as("jwks_uri, as Istio accepts it").isTrue();
  }

  @Test
  void everySampleFitsTheSchemaAndSchemaInvalidObjectsDoNot() throws Exception {
    int checked = 0;
    try (Stream<Path> files = Files.walk(Samples.root().resolve("samples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (docs.hasNext()) {
            JsonNode doc = docs.next();
            String apiVersion = doc.path("apiVersion").asText();
            if (apiVersion.startsWith(CrdGenerator.GROUP) || apiVersion.startsWith(CrdGenerator.SECURITY_GROUP)) {
              List<String> problems = new ArrayList<>();
              validate(schema(doc.path("kind").asText()).at("/properties/spec"), doc.get("spec"), "spec", problems);
              assertThat(problems).as("%s %s", f, doc.at("/metadata/name")).isEmpty();
              checked++;
            }
          }
        }
      }
    }
    assertThat(checked).isGreaterThan(5);
    for (String[] bad : new String[][] {
        {"VirtualService", "{hosts: a}", "spec.hosts: expected array"},
        {"VirtualService", "{hosts: [a], http: [{route: [{destination: {host: a, port: {number: x}}}]}]}",
            "spec.http[0].route[0].destination.port.number: expected integer"},
        {"ServiceEntry", "{hosts: [a], resolution: MAGIC}", "spec.resolution: MAGIC is not one of"},
        {"Gateway", "{servers: [{prot: {number: 80}}]}", "spec.servers[0].prot: unknown field"}}) {
      List<String> problems = new ArrayList<>();
      validate(schema(bad[0]).at("/properties/spec"), YAML.readTree(bad[1]), "spec", problems);
      assertThat(problems).as(bad[1]).anyMatch(p -> p.startsWith(bad[2]));
    }
  }

  /** The subset of OpenAPI the generator emits: type, properties, items, additionalProperties, enum. */
  private static void validate(JsonNode schema, JsonNode value, String path, List<String> problems) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean() && !schema.has("properties")) {
      return;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
      if (!value.isTextual() && !value.isInt()) {
        problems.add(path + ": expected int or string");
      }
      return;
    }
    switch (schema.path("type").asText()) {
      case "object" -> {
        if (!value.isObject()) {
          problems.add(path + ": expected object");
          return;
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
          JsonNode sub = schema.has("properties") ? schema.get("properties").get(e.getKey())
              : schema.get("additionalProperties");
          if (sub == null) {
            problems.add(path + "." + e.getKey() + ": unknown field");
          } else {
            validate(sub, e.getValue(), path + "." + e.getKey(), problems);
          }
        }
      }
      case "array" -> {
        if (!value.isArray()) {
          problems.add(path + ": expected array");
          return;
        }
        for (int i = 0; i < value.size(); i++) {
          validate(schema.get("items"), value.get(i), path + "[" + i + "]", problems);
        }
      }
      case "string" -> {
        if (!value.isTextual()) {
          problems.add(path + ": expected string");
        } else if (schema.has("enum") && !schema.get("enum").toString().contains("\"" + value.asText() + "\"")) {
          problems.add(path + ": " + value.asText() + " is not one of " + schema.get("enum"));
        }
      }
      case "integer" -> {
        if (!value.isIntegralNumber()) {
          problems.add(path + ": expected integer");
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          problems.add(path + ": expected boolean");
        }
      }
      case "number" -> {
        if (!value.isNumber()) {
          problems.add(path + ": expected number");
        }
      }
      default -> problems.add(path + ": schema has no type");
    }
  }
}
