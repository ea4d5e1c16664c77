package io.bosun.sources.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.concurrent.DaemonThreads;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.bosun.config.Conversion;
import io.bosun.config.MeshConfigConverter;
import io.bosun.logging.LogContext;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.telemetry.MeshMetrics;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.Gateway;
import io.fabric8.istio.api.networking.v1.ServiceEntry;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.fabric8.istio.api.networking.v1.WorkloadGroup;
import io.fabric8.istio.api.security.v1.AuthorizationPolicy;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.fabric8.istio.api.security.v1.RequestAuthentication;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's config source: shared informers for the Istio networking kinds (Sidecar,
 * WorkloadEntry and WorkloadGroup once their CRDs are served), the security.istio.io kinds
 * (likewise), Services, EndpointSlices, Pods, Namespaces and Secrets in all namespaces, Nodes
 * (localities), and the mesh config ConfigMap.
 * Every object goes through the same {@link ConfigParser} as a file would, into the same
 * {@link ConfigStore}.
 */
public final class KubeConfigSource implements AutoCloseable {
  public static final String SOURCE = "kubernetes";
  private static final Logger LOG = LoggerFactory.getLogger(KubeConfigSource.class);

  /** The kinds watched; Istio kinds through their v1 classes (the API server serves every version as each). */
  static final List<Class<? extends HasMetadata>> KINDS = List.of(
      VirtualService.class,
      DestinationRule.class,
      Gateway.class,
      ServiceEntry.class,
      Service.class, EndpointSlice.class, Pod.class, Namespace.class, Secret.class,
      Node.class);

  /**
   * Kinds whose CRD an existing install may lack: Helm installs a chart's CRDs but never
   * upgrades them, so after an upgrade the API server may not serve a kind this release added.
   * Each is watched once the API server serves it; until then it is reported and checked again.
   */
  static final List<Class<? extends HasMetadata>> OPTIONAL_KINDS = List.of(Sidecar.class, PeerAuthentication.class,
      AuthorizationPolicy.class, RequestAuthentication.class, WorkloadEntry.class, WorkloadGroup.class);
  static final Duration OPTIONAL_RECHECK = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final ConfigParser parser;
  private final ConfigStore store;
  private final List<SharedIndexInformer<? extends HasMetadata>> informers = new CopyOnWriteArrayList<>();
  /** Per optional kind, whether the API server served it at the last check; absent until one answered. */
  private final Map<Class<? extends HasMetadata>, Boolean> served = new ConcurrentHashMap<>();
  private final Map<Class<? extends HasMetadata>, Long> lastAsked = new ConcurrentHashMap<>();
  private final ScheduledExecutorService recheck =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("crd-recheck"));
  /** For the discovery question only: no retries, short timeouts, so an absent API server answers at once. */
  private final KubernetesClient discovery;
  private final Map<Kind, SharedIndexInformer<? extends HasMetadata>> byKind = new ConcurrentHashMap<>();

  private final String systemNamespace;
  private final MeshMetrics metrics;

  /** @param systemNamespace Bosun's own namespace, where the mesh config ConfigMap {@code istio} lives */
  public KubeConfigSource(KubernetesClient client, ConfigParser parser, ConfigStore store, String systemNamespace) {
    this(client, parser, store, systemNamespace, MeshMetrics.NONE);
  }

  /** @param metrics told of every watch event, by kind */
  public KubeConfigSource(KubernetesClient client, ConfigParser parser, ConfigStore store, String systemNamespace,
                          MeshMetrics metrics) {
    this.metrics = metrics;
    this.client = client;
    this.discovery = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(5_000).withConnectionTimeout(2_000).build()).build();
    this.parser = parser;
    this.store = store;
    this.systemNamespace = systemNamespace;
  }

  /** Starts every informer; events flow into the store from now on. */
  public KubeConfigSource start() {
    for (Class<? extends HasMetadata> kind : KINDS) {
      informAll(kind);
    }
    inform(ConfigMap.class, client.configMaps().inNamespace(systemNamespace)
        .withName(MeshConfigConverter.CONFIGMAP_NAME).runnableInformer(0));
    // off the caller's thread: start() must not wait for an API server that may be away
    recheck.scheduleWithFixedDelay(this::checkOptionalKinds, 0, 1, TimeUnit.SECONDS);
    return this;
  }

  /**
   * Starts watching each optional kind the API server now serves. Runs every second: until the
   * API server has answered (readiness waits for that), then every {@link #OPTIONAL_RECHECK} for
   * a kind it does not serve.
   */
  private synchronized void checkOptionalKinds() {
    long now = System.nanoTime();
    for (Class<? extends HasMetadata> type : OPTIONAL_KINDS) {
      Boolean known = served.get(type);
      if (Boolean.TRUE.equals(known)
          || Boolean.FALSE.equals(known) && now - lastAsked.getOrDefault(type, 0L) < OPTIONAL_RECHECK.toNanos()) {
        continue;
      }
      lastAsked.put(type, now);
      String crd = HasMetadata.getPlural(type) + "." + HasMetadata.getGroup(type);
      boolean servedNow;
      try {
        servedNow = discovery.supports(type);
      } catch (RuntimeException e) {
        // the API server is unreachable: not an answer; readiness waits for one
        LOG.debug("cannot tell whether the API server serves {}: {}", crd, e.toString());
        continue;
      }
      Boolean before = served.put(type, servedNow);
      if (servedNow) {
        LOG.info("the API server serves {}: {}s are watched", crd, HasMetadata.getKind(type));
        informAll(type);
      } else if (before == null) {
        LOG.warn("the API server does not serve {}: {}s are ignored until it does (checked every {} s). Install "
            + "the CRDs of this release: kubectl apply -f crds/ (Helm does not upgrade CRDs)", crd,
            HasMetadata.getKind(type), OPTIONAL_RECHECK.toSeconds());
      }
    }
  }

  private <T extends HasMetadata> void informAll(Class<T> type) {
    inform(type, client.resources(type).inAnyNamespace().runnableInformer(0));
  }

  // Runnable informers, not inform(): that blocks until the first list, and Bosun must start (and
  // serve what it has) even while the API server is unreachable; readiness waits for hasSynced.
  private <T extends HasMetadata> void inform(Class<T> type, SharedIndexInformer<T> informer) {
    String kind = HasMetadata.getKind(type);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        metrics.configEvent(kind, "add");
        apply(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        metrics.configEvent(kind, "update");
        apply(newObj);
      }

      @Override
      @SuppressWarnings("try")
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        metrics.configEvent(kind, "delete");
        ResourceRef ref = ref(obj);
        try (LogContext.Scope resource = LogContext.resource(ref)) {
          LOG.debug("{} deleted", ref);
          store.remove(ref);
        }
      }
    });
    informer.start();
    informers.add(informer);
    byKind.put(kindOf(type), informer);
  }

  /**
   * Secrets Bosun never serves to any proxy, whatever config names them: its own (webhook and CA
   * keys, anything it labels as managed, the Istio CA Secret names) and service-account tokens.
   */
  static boolean protectedSecret(HasMetadata obj, String systemNamespace) {
    if (!(obj instanceof Secret s)) {
      return false;
    }
    if ("kubernetes.io/service-account-token".equals(s.getType())) {
      return true;
    }
    if (!systemNamespace.equals(s.getMetadata().getNamespace())) {
      return false;
    }
    Map<String, String> labels = s.getMetadata().getLabels() == null ? Map.of() : s.getMetadata().getLabels();
    return "bosun".equals(labels.get("app.kubernetes.io/managed-by"))
        || OWN_SECRETS.contains(s.getMetadata().getName());
  }

  /** Bosun's and Istio's control-plane Secret names in Bosun's namespace. */
  static final Set<String> OWN_SECRETS = Set.of("bosun-webhook-certs", "bosun-ca", "cacerts",
      "istio-ca-secret");

  @SuppressWarnings("try") // the scope is there to be closed
  private void apply(HasMetadata obj) {
    if (protectedSecret(obj, systemNamespace)) {
      // not even stored: no config can make it reach a proxy (and a relabelled one is dropped)
      store.remove(ref(obj));
      return;
    }
    ResourceRef ref = ref(obj);
    try (LogContext.Scope resource = LogContext.resource(ref)) {
      JsonNode doc = client.getKubernetesSerialization().convertValue(obj, JsonNode.class);
      Conversion c = parser.convert(SOURCE, doc, ref.toString());
      if (c.ref() != null) {
        store.put(c);
      }
    } catch (RuntimeException | StackOverflowError e) {
      // One odd object must never stop the informer thread (finding 3).
      LOG.error("{}: cannot process; it is ignored", ref, e);
    }
  }

  static ResourceRef ref(HasMetadata obj) {
    String ns = obj.getMetadata().getNamespace();
    return new ResourceRef(kindOf(obj.getClass()), ns == null ? "" : ns, obj.getMetadata().getName());
  }

  private static Kind kindOf(Class<? extends HasMetadata> type) {
    String kind = HasMetadata.getKind(type);
    return Kind.of(kind).orElseThrow(() -> new IllegalArgumentException("not a kind Bosun reads: " + kind));
  }

  /**
   * True once every informer has listed its kind and the API server has said which optional kinds
   * it serves: only then is the config complete.
   */
  public boolean synced() {
    return !informers.isEmpty() && served.size() == OPTIONAL_KINDS.size()
        && informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /** The object as last seen by its informer. */
  public Optional<HasMetadata> get(ResourceRef ref) {
    SharedIndexInformer<? extends HasMetadata> informer = byKind.get(ref.kind());
    if (informer == null) {
      return Optional.empty();
    }
    String key = ref.namespace().isEmpty() ? ref.name() : ref.namespace() + "/" + ref.name();
    return Optional.ofNullable(informer.getIndexer().getByKey(key));
  }

  @Override
  public void close() {
    recheck.shutdownNow();
    informers.forEach(SharedIndexInformer::close);
    discovery.close();
  }
}
