package io.bosun.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Manifests in, injected manifests out (inject/in → inject/out; update with
 * -Dgolden.update=true and review the diff). A file's header sets the namespace labels and the
 * cluster's minor version; Pods go through the webhook's decision, workloads through kube-inject.
 */
class InjectionGoldenTest {
  private static final Path IN = Path.of("src/test/resources/inject/in");
  private static final Path OUT = Path.of("src/test/resources/inject/out");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Stream<Path> inputs() throws IOException {
    try (Stream<Path> s = Files.list(IN)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("inputs")
  void injectedAsTheGoldenFileSays(Path input) throws Exception {
    String text = Files.readString(input);
    Map<String, String> nsLabels = new TreeMap<>();
    int minor = 33;
    boolean showBootstrap = false;
    for (String line : text.lines().takeWhile(l -> l.startsWith("#")).toList()) {
      if (line.startsWith("# namespace-labels:")) {
        for (String kv : line.substring("# namespace-labels:".length()).trim().split(",")) {
          if (kv.contains("=")) {
            nsLabels.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
          }
        }
      } else if (line.startsWith("# show-bootstrap: true")) {
        showBootstrap = true;
      } else if (line.startsWith("# kubernetes-minor:")) {
        minor = Integer.parseInt(line.substring("# kubernetes-minor:".length()).trim());
      }
    }
    Injector injector = new Injector(InjectionConfig.defaults(), minor);
    List<String> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (!"Pod".equals(doc.path("kind").asText())) {
          List<String> warnings = new ArrayList<>();
          JsonNode injected = new KubeInject(injector, warnings::add).injectDoc(doc);
          out.add(comments("warning", warnings) + YAML.writeValueAsString(injected)
              + (showBootstrap ? bootstrap(injected.path("spec").path("template").path("spec")) : ""));
          continue;
        }
        Pod pod = SERIALIZATION.convertValue(doc, Pod.class);
        InjectionPolicy.Decision d = InjectionPolicy.decide(pod, pod.getMetadata().getNamespace(), nsLabels);
        if (!d.inject()) {
          out.add("# not injected: " + d.reason() + "\n");
          continue;
        }
        try {
          Injection injection = injector.apply(pod);
          String warnings = comments("warning", injection.warnings());
          JsonNode injected = SERIALIZATION.convertValue(injection.pod(), JsonNode.class);
          out.add(injection.injected()
              ? warnings + YAML.writeValueAsString(injected) + (showBootstrap ? bootstrap(injected.path("spec")) : "")
              : "# not injected\n" + warnings);
        } catch (IllegalArgumentException e) {
          out.add("# refused: " + e.getMessage() + "\n");
        }
      }
    }
    // the build's version is not what these files pin down
    String actual = String.join("---\n", out).replace("ISTIO_VERSION\\\":\\\"" + EnvoyBootstraps.version() + "\\\"",
        "ISTIO_VERSION\\\":\\\"BOSUN_VERSION\\\"").replace("ISTIO_VERSION: " + EnvoyBootstraps.version() + "\n",
        "ISTIO_VERSION: BOSUN_VERSION\n");
    Path golden = OUT.resolve(input.getFileName());
    if (Boolean.getBoolean("golden.update") || !Files.exists(golden)) {
      Files.writeString(golden, actual);
      assertThat(Boolean.getBoolean("golden.update")).as("golden file %s was missing; written, review it", golden)
          .isTrue();
    }
    assertThat(actual).as("%s differs from %s (run with -Dgolden.update=true to accept)", input, golden)
        .isEqualTo(Files.readString(golden));
  }

  /** The proxy's inline bootstrap, decoded, as YAML comments: what the one-line JSON says, reviewable. */
  private static String bootstrap(JsonNode podSpec) throws IOException {
    for (String list : List.of("initContainers", "containers")) {
      for (JsonNode c : podSpec.path(list)) {
        JsonNode args = c.path("args");
        for (int i = 0; i + 1 < args.size(); i++) {
          if (c.path("name").asText().equals("istio-proxy") && args.get(i).asText().equals("--config-yaml")) {
            String yaml = YAML.writeValueAsString(YAML.readTree(args.get(i + 1).asText()));
            return comments("bootstrap", yaml.lines().toList());
          }
        }
      }
    }
    return "";
  }

  private static String comments(String what, List<String> lines) {
    StringBuilder sb = new StringBuilder();
    lines.forEach(l -> sb.append("# ").append(what).append(": ").append(l).append('\n'));
    return sb.toString();
  }
}
