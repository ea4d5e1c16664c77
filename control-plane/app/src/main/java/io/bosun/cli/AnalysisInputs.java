package io.bosun.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.bosun.analyze.AnalysisInput;
import io.bosun.analyze.Coverage;
import io.bosun.analyze.PodInjection;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import io.bosun.inject.InjectionPolicy;
import io.bosun.model.Kind;
import io.bosun.model.NamespaceInfo;
import io.bosun.model.ResourceRef;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Gathers what {@code analyze} reads, from files and/or a cluster, through the same parser and
 * store Bosun serves with; files overlay the cluster (an object in a file replaces the cluster's).
 * Pods are also kept as written, for the injection rules, which read the Pod object itself.
 */
final class AnalysisInputs {
  static final String CLUSTER = "kubernetes";

  private final ConfigParser parser = new ConfigParser();
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final Map<ResourceRef, Conversion> cluster = new LinkedHashMap<>();
  private final List<Conversion> files = new ArrayList<>();
  private final List<ConfigError> errors = new ArrayList<>();
  private final Map<ResourceRef, JsonNode> pods = new LinkedHashMap<>();
  private boolean fromCluster;

  /** Adds what {@link ClusterObjects} read. */
  void addCluster(List<JsonNode> objects) {
    fromCluster = true;
    for (JsonNode doc : objects) {
      Conversion c = parser.convert(CLUSTER, doc, kindAndName(doc));
      if (c.ref() == null) {
        errors.addAll(c.problems());
        continue;
      }
      cluster.put(c.ref(), c);
      if (c.ref().kind() == Kind.POD) {
        pods.put(c.ref(), doc);
      }
    }
  }

  /** Adds one YAML file (any number of documents). */
  void addFile(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    ConfigParser.Parsed parsed = parser.parse(file.toString(), text);
    files.addAll(parsed.conversions());
    errors.addAll(parsed.fileErrors());
    for (JsonNode doc : documents(text)) {
      if ("Pod".equals(doc.path("kind").asText()) && "v1".equals(doc.path("apiVersion").asText())) {
        String ns = doc.path("metadata").path("namespace").asText("");
        pods.put(new ResourceRef(Kind.POD, ns.isEmpty() ? "default" : ns, doc.path("metadata").path("name").asText()),
            doc);
      }
    }
  }

  /** The input: complete when a cluster was read or the user says the files are the whole mesh. */
  AnalysisInput build(boolean declaredComplete) {
    Set<ResourceRef> inFiles = files.stream().map(Conversion::ref).collect(Collectors.toSet());
    List<Conversion> all = new ArrayList<>(cluster.values().stream().filter(c -> !inFiles.contains(c.ref())).toList());
    all.addAll(files);
    ConfigStore store = new ConfigStore();
    store.replaceAll(all, errors);
    Coverage coverage = fromCluster || declaredComplete ? Coverage.COMPLETE
        : Coverage.partial(store.entries().stream().map(ConfigStore.Entry::ref).toList());
    return AnalysisInput.from(store, injections(store), coverage);
  }

  private List<PodInjection> injections(ConfigStore store) {
    Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    store.entries().stream().map(ConfigStore.Entry::serving).filter(NamespaceInfo.class::isInstance)
        .map(NamespaceInfo.class::cast).forEach(ns -> namespaceLabels.put(ns.name(), ns.labels()));
    List<PodInjection> out = new ArrayList<>();
    pods.forEach((ref, doc) -> {
      Pod pod;
      try {
        pod = serialization.convertValue(doc, Pod.class);
      } catch (IllegalArgumentException e) {
        return; // the validator reports it
      }
      InjectionPolicy.Decision d = InjectionPolicy.decide(pod, ref.namespace(),
          namespaceLabels.getOrDefault(ref.namespace(), Map.of()));
      out.add(new PodInjection(ref, d.inject(), d.reason(), hasProxy(pod)));
    });
    return out;
  }

  /** An {@code istio-proxy} container, or init container (a native sidecar). */
  static boolean hasProxy(Pod pod) {
    if (pod.getSpec() == null) {
      return false;
    }
    Stream<Container> all = Stream.concat(list(pod.getSpec().getContainers()), list(pod.getSpec().getInitContainers()));
    return all.anyMatch(c -> InjectionPolicy.PROXY_NAME.equals(c.getName()));
  }

  private static Stream<Container> list(List<Container> l) {
    return l == null ? Stream.empty() : l.stream();
  }

  private List<JsonNode> documents(String text) {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = yaml.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && doc.isObject()) {
          docs.add(doc);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not YAML: the parser has reported it already
    }
    return docs;
  }

  private static String kindAndName(JsonNode doc) {
    JsonNode meta = doc.path("metadata");
    return doc.path("kind").asText() + " " + meta.path("namespace").asText("") + "/" + meta.path("name").asText();
  }
}
