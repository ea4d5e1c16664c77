package io.bosun.e2e;

import static org.awaitility.Awaitility.await;

import io.bosun.e2e.cluster.K8sBinaries;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Installs the repository's crds/ and samples/ into a test cluster, as a user would. */
public final class Crds {
  private Crds() {
  }

  public static void install(KubernetesClient k) throws IOException {
    install(k, f -> true);
  }

  /** Installs the CRD files of crds/ that {@code which} accepts (by file name), and waits until all are established. */
  public static void install(KubernetesClient k, Predicate<String> which) throws IOException {
    try (Stream<Path> files = Files.list(K8sBinaries.repoRoot().resolve("crds"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        if (!which.test(f.getFileName().toString())) {
          continue;
        }
        try (InputStream in = Files.newInputStream(f)) {
          CustomResourceDefinition crd = k.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          k.resource(crd).serverSideApply();
        }
      }
    }
    await("CRDs established").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> k.apiextensions().v1()
        .customResourceDefinitions().list().getItems().stream()
        .filter(c -> c.getSpec().getGroup().endsWith(".istio.io"))
        .allMatch(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
            .anyMatch(cond -> cond.getType().equals("Established") && cond.getStatus().equals("True"))));
  }

  /** Applies every Istio object of samples/ (generic, so any served version works); returns how many. */
  public static int applySamples(KubernetesClient k) throws IOException {
    int n = 0;
    try (Stream<Path> files = Files.walk(K8sBinaries.repoRoot().resolve("samples"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          Object parsed = k.getKubernetesSerialization().unmarshal(in);
          List<?> items = parsed instanceof List<?> l ? l : List.of(parsed);
          for (Object o : items) {
            if (o instanceof HasMetadata h && (h.getApiVersion().startsWith("networking.istio.io/")
                || h.getApiVersion().startsWith("security.istio.io/"))) {
              String ns = h.getMetadata().getNamespace() == null ? "default" : h.getMetadata().getNamespace();
              ensureNamespace(k, ns);
              GenericKubernetesResource g = k.getKubernetesSerialization().convertValue(h,
                  GenericKubernetesResource.class);
              g.getMetadata().setNamespace(ns);
              k.resource(g).serverSideApply();
              n++;
            }
          }
        }
      }
    }
    return n;
  }

  public static void ensureNamespace(KubernetesClient k, String ns) {
    if (k.namespaces().withName(ns).get() == null) {
      k.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
  }
}
