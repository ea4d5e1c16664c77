package io.bosun.webhook;

import io.bosun.concurrent.DaemonThreads;
import io.bosun.config.ConfigParser;
import io.bosun.inject.AdmissionHandler;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import io.bosun.logging.LogContext;
import io.bosun.telemetry.MeshMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode's admission webhooks: sidecar injection and Istio config validation on one
 * HTTPS port (15017 by default), with their certificate managed (created, shared through a
 * Secret, patched into the webhook configurations as caBundle, renewed before expiry).
 */
public final class AdmissionWebhooks {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionWebhooks.class);

  /**
   * Where the webhooks listen and what they manage.
   *
   * @param service    the Service kube-apiserver reaches them by (the names on their certificate)
   * @param certDir    a mounted tls.crt/tls.key[/ca.crt] (cert-manager); empty: Bosun's own CA in a Secret
   */
  public record Settings(String host, int port, String service, String certDir, String mutatingName,
                         String validatingName, Duration validity, Duration checkEvery, String injectionConfigMap) {
    public static Settings defaults() {
      return new Settings("0.0.0.0", 15017, "bosun", "", "bosun-sidecar-injector", "bosun-validator",
          Duration.ofHours(8760), Duration.ofHours(1), InjectionConfig.CONFIGMAP);
    }

    public Settings withAddress(String newHost, int newPort) {
      return new Settings(newHost, newPort, service, certDir, mutatingName, validatingName, validity, checkEvery,
          injectionConfigMap);
    }
  }

  private AdmissionWebhooks() {
  }

  /**
   * Starts the webhooks (needs the API server: retried by the caller); closing the result stops
   * them. {@code namespace}: Bosun's own (the injection ConfigMap, the certificate Secret).
   */
  public static AutoCloseable start(KubernetesClient client, ConfigParser parser, String namespace, Settings settings,
                                    BooleanSupplier leader, MeshMetrics metrics) throws Exception {
    SharedIndexInformer<Namespace> namespaces = client.namespaces().runnableInformer(0);
    namespaces.start();
    int minor = minor(client);
    InjectionState state = new InjectionState(minor);
    SharedIndexInformer<ConfigMap> config = client.configMaps().inNamespace(namespace)
        .withName(settings.injectionConfigMap()).runnableInformer(0);
    config.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        state.update(cm, namespace);
      }

      @Override
      public void onUpdate(ConfigMap old, ConfigMap cm) {
        state.update(cm, namespace);
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknown) {
        state.reset();
      }
    });
    config.start();

    try {
      return serve(client, parser, namespace, leader, settings, namespaces, config, state, minor, metrics);
    } catch (Exception | Error e) {
      config.close();
      namespaces.close();
      throw e;
    }
  }

  private static AutoCloseable serve(KubernetesClient client, ConfigParser parser, String namespace,
                                     BooleanSupplier leader, Settings settings,
                                     SharedIndexInformer<Namespace> namespaces,
                                     SharedIndexInformer<ConfigMap> config, InjectionState state, int minor,
                                     MeshMetrics metrics)
      throws Exception {
    String service = settings.service();
    List<String> names = List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local",
        service + "." + namespace, service, "localhost", "127.0.0.1");
    Rotation rotation = new Rotation(client, namespace, settings, names, leader);
    WebhookCerts.Material material = rotation.load();
    AdmissionHandler handler = new AdmissionHandler(state::injector, ns -> {
      Namespace n = namespaces.getIndexer().getByKey(ns);
      return n == null || n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
    }, parser, metrics);
    WebhookServer server = new WebhookServer(new InetSocketAddress(settings.host(), settings.port()), material,
        handler);
    rotation.serving(server, material);
    ScheduledExecutorService timer = DaemonThreads.scheduler("webhook-certs");
    long checkSeconds = settings.checkEvery().toSeconds();
    timer.scheduleWithFixedDelay(rotation::check, checkSeconds, checkSeconds, TimeUnit.SECONDS);
    LOG.info("sidecar injection for Kubernetes 1.{} ({} sidecars), webhook configurations {} and {}", minor,
        state.injector() == null ? "?" : minor >= 29 ? "native" : "container", settings.mutatingName(),
        settings.validatingName());
    return () -> {
      timer.shutdownNow();
      server.close();
      config.close();
      namespaces.close();
    };
  }

  private static int minor(KubernetesClient client) {
    try {
      return Integer.parseInt(client.getKubernetesVersion().getMinor().replaceAll("[^0-9]", ""));
    } catch (RuntimeException e) {
      LOG.warn("cannot read the API server's version; assuming 1.29+ (native sidecars)", e);
      return 29;
    }
  }

  /** The injection config as the ConfigMap last said; an invalid version keeps the previous one. */
  private static final class InjectionState {
    private final int minor;
    private volatile Injector injector;

    InjectionState(int minor) {
      this.minor = minor;
      this.injector = new Injector(InjectionConfig.defaults(), minor);
    }

    Injector injector() {
      return injector;
    }

    @SuppressWarnings("try") // the scope is there to be closed
    void update(ConfigMap cm, String namespace) {
      String yaml = cm.getData() == null ? null : cm.getData().get(InjectionConfig.KEY);
      try (LogContext.Scope resource = LogContext.resource("ConfigMap", namespace, cm.getMetadata().getName())) {
        injector = new Injector(InjectionConfig.parse(yaml), minor);
        LOG.info("ConfigMap {}/{}: injection config applied", namespace, cm.getMetadata().getName());
      } catch (IllegalArgumentException e) {
        LOG.error("ConfigMap {}/{}: data.{}: {} (the previous injection config stays)", namespace,
            cm.getMetadata().getName(), InjectionConfig.KEY, e.getMessage());
      }
    }

    void reset() {
      injector = new Injector(InjectionConfig.defaults(), minor);
    }
  }

  /** Keeps the certificate fresh: renews it (leader) before expiry, reloads it (everyone), re-patches caBundle. */
  private static final class Rotation {
    private final KubernetesClient client;
    private final String namespace;
    private final Settings settings;
    private final List<String> names;
    private final BooleanSupplier leader;
    private volatile WebhookServer server;
    private volatile WebhookCerts.Material current;

    Rotation(KubernetesClient client, String namespace, Settings settings, List<String> names,
             BooleanSupplier leader) {
      this.client = client;
      this.namespace = namespace;
      this.settings = settings;
      this.names = names;
      this.leader = leader;
    }

    /** The certificate as it is now: the mounted one, or Bosun's own from its Secret (created if missing). */
    WebhookCerts.Material load() throws Exception {
      return settings.certDir().isEmpty()
          ? WebhookCerts.loadOrCreate(client, namespace, names, settings.validity())
          : WebhookCerts.fromDir(Path.of(settings.certDir()));
    }

    /** Called once, before {@link #check} is scheduled: the server now serves {@code material}. */
    void serving(WebhookServer webhookServer, WebhookCerts.Material material) {
      this.server = webhookServer;
      this.current = material;
      patch();
    }

    void check() {
      try {
        WebhookCerts.Material latest = load();
        if (settings.certDir().isEmpty() && latest.dueForRenewal(Instant.now()) && leader.getAsBoolean()) {
          latest = WebhookCerts.generate(names, settings.validity());
          WebhookCerts.store(client, namespace, latest);
          LOG.info("webhook certificate renewed, valid until {}", latest.notAfter());
        }
        if (!latest.equals(current)) {
          server.use(latest);
          current = latest;
          LOG.info("webhook certificate reloaded, valid until {}", latest.notAfter());
        }
        patch();
      } catch (Exception e) {
        LOG.warn("webhook certificate check failed; will retry", e);
      }
    }

    void patch() {
      if (current.caPem().isEmpty()) {
        return; // a mounted certificate without ca.crt: whoever issued it manages caBundle
      }
      try {
        int n = WebhookCerts.patchCaBundle(client, settings.mutatingName(), settings.validatingName(),
            current.caPem());
        if (n > 0) {
          LOG.info("caBundle set on {} webhook configuration(s)", n);
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot patch caBundle into {} / {}: {}", settings.mutatingName(), settings.validatingName(),
            e.getMessage());
      }
    }
  }
}
