package io.bosun.ca.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the mesh's trust bundle in every namespace as the ConfigMap {@code istio-ca-root-cert}
 * (key {@code root-cert.pem}), Istio's name, so injected proxies (and Istio agents) can verify
 * Bosun's 15012 and their peers. Written when a namespace appears, when the roots change, and on
 * every {@link #sync} (which also restores a deleted or edited copy).
 */
public final class RootCertPublisher implements AutoCloseable {
  public static final String CONFIGMAP = "istio-ca-root-cert";
  public static final String KEY = "root-cert.pem";
  private static final Set<String> SKIPPED = Set.of("kube-system", "kube-public", "kube-node-lease");
  private static final Logger LOG = LoggerFactory.getLogger(RootCertPublisher.class);

  private final KubernetesClient client;
  private final Supplier<String> roots;
  private final SharedIndexInformer<Namespace> namespaces;

  public RootCertPublisher(KubernetesClient client, Supplier<String> roots) {
    this.client = client;
    this.roots = roots;
    this.namespaces = client.namespaces().runnableInformer(0);
    namespaces.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        publish(ns);
      }

      @Override
      public void onUpdate(Namespace old, Namespace ns) {
      }

      @Override
      public void onDelete(Namespace ns, boolean unknown) {
      }
    });
  }

  public RootCertPublisher start() {
    namespaces.start();
    return this;
  }

  /** Writes the current bundle wherever it is missing or stale. */
  public void sync() {
    namespaces.getStore().list().forEach(this::publish);
  }

  private void publish(Namespace ns) {
    String name = ns.getMetadata().getName();
    if (SKIPPED.contains(name) || ns.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String pem = roots.get();
    try {
      ConfigMap existing = client.configMaps().inNamespace(name).withName(CONFIGMAP).get();
      if (existing != null && existing.getData() != null && Objects.equals(existing.getData().get(KEY), pem)) {
        return;
      }
      ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(CONFIGMAP).withNamespace(name)
          .addToLabels("istio.io/config", "true").addToLabels("app.kubernetes.io/managed-by", "bosun")
          .endMetadata().withData(Map.of(KEY, pem)).build();
      client.configMaps().inNamespace(name).resource(cm).createOr(op -> op.update());
      LOG.info("ConfigMap {}/{}: mesh roots {}", name, CONFIGMAP, existing == null ? "published" : "updated");
    } catch (RuntimeException e) {
      LOG.warn("ConfigMap {}/{}: cannot publish the mesh roots ({}); retrying at the next sync", name, CONFIGMAP,
          e.toString());
    }
  }

  @Override
  public void close() {
    namespaces.close();
  }
}
