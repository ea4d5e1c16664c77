package io.bosun.push;

import com.google.protobuf.Message;
import io.bosun.ca.WorkloadCertificates;
import io.bosun.concurrent.DaemonThreads;
import io.bosun.concurrent.Debouncer;
import io.bosun.config.ConfigStore;
import io.bosun.identity.SecretAccess;
import io.bosun.logging.LogContext;
import io.bosun.logging.LogSafe;
import io.bosun.model.Proxy;
import io.bosun.resources.XdsResources;
import io.bosun.telemetry.MeshMetrics;
import io.bosun.translate.ConfigGenerator;
import io.bosun.xds.XdsCache;
import io.bosun.xds.auth.Identity;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns config changes into pushes: debounces store changes, rebuilds the mesh snapshot once,
 * and hands every connected proxy group its translated config. A group's types whose content
 * did not change are not re-sent (the xDS server compares content versions).
 */
public final class PushController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PushController.class);
  public static final long QUIET_MILLIS = 100;
  public static final long MAX_MILLIS = 10_000;

  private final ConfigStore store;
  private final ScheduledExecutorService executor;
  private final Debouncer debouncer;
  private final Map<String, Proxy> groups = new ConcurrentHashMap<>();
  private final ProxyRegistry proxies;
  private final XdsCache xds;
  private final AtomicLong pushes = new AtomicLong();
  private final AtomicLong translations = new AtomicLong();
  /** When the first change not yet pushed arrived (nanoTime); -1: none. */
  private final AtomicLong firstChange = new AtomicLong(-1);
  private final MeshMetrics metrics;
  /** Triggers since the last push, by type. */
  private final Map<String, Long> pendingTriggers = new ConcurrentHashMap<>();
  private volatile PushStatus lastPush;

  /**
   * One push: when it ended, how long it took, what asked for it (trigger type → count), how
   * many proxy groups it served, and the config generation it served.
   */
  public record PushStatus(Instant time, Duration duration, Map<String, Long> triggers, int proxyGroups,
                           long generation) {
  }
  /** Translation and publishing, at most one thread per core. */
  private final ForkJoinPool workers = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
  private volatile ConfigGenerator generator;
  /** The store generation {@link #generator} was built from. */
  private long generatorGeneration = -1;
  private final BooleanSupplier complete;
  private final SecretAccess secretAccess;
  /** Whether the CA was loaded at the last maintenance round. */
  private volatile boolean caWasReady = true;
  /** null: workload certificates are not issued */
  private final WorkloadCertificates certificates;

  /**
   * @param complete     whether the store holds the whole config yet (e.g. all informers synced);
   *                     until then proxies get nothing rather than a partial config
   * @param secretAccess decides which proxies get the Secrets config names (credentialName)
   * @param certificates the workload certificates proxies with an identity get over SDS; null for none
   * @param proxies      the proxies the xDS server has seen
   * @param xds          where each group's config is published
   * @param metrics      where triggers, debounce and push times and config sizes are reported
   */
  public PushController(ConfigStore store, BooleanSupplier complete, SecretAccess secretAccess,
                        WorkloadCertificates certificates, ProxyRegistry proxies, XdsCache xds, MeshMetrics metrics) {
    this.metrics = metrics;
    this.store = store;
    this.proxies = proxies;
    this.xds = xds;
    this.complete = complete;
    this.secretAccess = secretAccess;
    this.certificates = certificates;
    this.executor = DaemonThreads.scheduler("push");
    this.debouncer = new Debouncer(executor, QUIET_MILLIS, MAX_MILLIS, this::push);
    this.generator = new ConfigGenerator(store.snapshot());
    store.addListener(() -> trigger("config"));
    long every = certificates == null ? 60_000
        : Math.max(1_000, Math.min(60_000, certificates.ttl().toMillis() / 20));
    executor.scheduleWithFixedDelay(this::maintain, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Renews workload certificates due for it (or signed by a CA that changed) and re-asks who may
   * read Secrets; pushes when either changed anything a connected proxy holds.
   */
  private void maintain() {
    try {
      Set<String> inUse = new HashSet<>();
      groups.values().forEach(p -> {
        if (!p.identity().isEmpty()) {
          inUse.add(p.identity());
        }
      });
      boolean renewed = certificates != null && certificates.rotate(inUse);
      // the CA loaded after proxies connected: they get their certificates (and mutual TLS) now
      boolean caReady = certificates != null && certificates.ready();
      renewed |= caReady && !caWasReady;
      caWasReady = caReady;
      boolean access = !secretAccess.recheck(inUse).isEmpty();
      if (renewed || access) {
        LOG.info("pushing: {}", renewed ? "workload certificates renewed" : "access to Secrets changed");
        trigger("secret");
      }
    } catch (RuntimeException e) {
      LOG.error("certificate and access maintenance failed; retrying at the next round", e);
    }
  }

  /** A proxy of a group not seen before connected: give it config now, on the caller's thread. */
  @SuppressWarnings("try") // the scope is there to be closed
  public synchronized void onNewGroup(String group, Node node) {
    try (LogContext.Scope scope = LogContext.proxy(node.getId())) {
      metrics.pushTriggered("proxy");
      Proxy proxy = proxies.proxyOf(node);
      groups.put(group, proxy);
      LOG.info("proxy {} connected: new group {}", LogSafe.escape(node.getId()), LogSafe.escape(group));
      if (complete.getAsBoolean()) {
        // the store may have moved on since the last push (e.g. it just became complete): a new
        // proxy gets the current config, not the one of the last push
        ConfigGenerator gen = current();
        int variantsBefore = gen.variants();
        send(group, proxy, gen);
        translations.addAndGet(gen.variants() - variantsBefore);
      } else {
        LOG.info("proxy {}: config not complete yet, it gets its config once it is", LogSafe.escape(node.getId()));
      }
    }
  }

  /** Asks for a push (debounced), e.g. when the config became complete. */
  public void requestPush() {
    trigger("global");
  }

  private void trigger(String type) {
    metrics.pushTriggered(type);
    pendingTriggers.merge(type, 1L, Long::sum);
    firstChange.compareAndSet(-1, System.nanoTime());
    debouncer.trigger();
  }

  private synchronized void push() {
    if (!complete.getAsBoolean()) {
      return; // the push requested on completion covers everything deferred until then
    }
    long start = System.nanoTime();
    long first = firstChange.getAndSet(-1);
    Map<String, Long> triggers = new TreeMap<>();
    for (String type : List.copyOf(pendingTriggers.keySet())) {
      Long n = pendingTriggers.remove(type);
      if (n != null) {
        triggers.put(type, n);
      }
    }
    if (first >= 0) {
      metrics.debounced(Duration.ofNanos(start - first));
    }
    ConfigGenerator next = current();
    Set<String> connected = xds.connectedGroups();
    groups.keySet().retainAll(connected);
    proxies.retainGroups(connected);
    int variantsBefore = next.variants();
    // distinct variants translate in parallel; proxies of one variant wait for its single translation
    long changed = workers.submit(() -> groups.entrySet().parallelStream()
        .filter(e -> send(e.getKey(), e.getValue(), next)).count()).join();
    int translated = next.variants() - variantsBefore;
    translations.addAndGet(translated);
    pushes.incrementAndGet();
    long end = System.nanoTime();
    metrics.pushed(Duration.ofNanos(end - start), first >= 0 ? Duration.ofNanos(end - first) : null);
    lastPush = new PushStatus(Instant.now(), Duration.ofNanos(end - start), triggers, groups.size(),
        store.generation());
    LOG.info("push: config generation {}: {} translations for {} proxies, {} changed, in {} ms",
        store.generation(), translated, groups.size(), changed, (System.nanoTime() - start) / 1_000_000);
  }

  /** A generator for the store's current generation (the last one if nothing changed since). */
  private synchronized ConfigGenerator current() {
    long generation = store.generation(); // read first: a later change triggers another push anyway
    if (generation != generatorGeneration) {
      generator = new ConfigGenerator(store.snapshot(), generator);
      generatorGeneration = generation;
    }
    return generator;
  }

  @SuppressWarnings("try")
  private boolean send(String group, Proxy proxy, ConfigGenerator gen) {
    // the group's config is computed for (and logged with) the proxy that stands for it
    try (LogContext.Scope scope = LogContext.proxy(proxy.id())) {
      // mutual TLS only with a certificate in hand: config naming one that never comes would stall the proxy
      List<Secret> certificate = certificates == null || proxy.identity().isEmpty() ? List.of()
          : certificates.secrets(Identity.fromSpiffe(proxy.identity()).orElseThrow());
      Proxy served = proxy.withSecretAccess(secretAccess.allowed(proxy.identity()))
          .withMeshCertificate(!certificate.isEmpty());
      XdsResources config = gen.generate(served);
      List<Secret> secrets = config.secrets();
      if (!certificate.isEmpty()) {
        secrets = new ArrayList<>(secrets);
        secrets.addAll(certificate);
      }
      XdsResources out = secrets == config.secrets() ? config : config.withSecrets(secrets);
      boolean changed = xds.publish(group, out);
      if (changed) {
        metrics.configSize("cds", bytes(out.clusters()));
        metrics.configSize("eds", bytes(out.endpoints()));
        metrics.configSize("lds", bytes(out.listeners()));
        metrics.configSize("rds", bytes(out.routes()));
        metrics.configSize("sds", bytes(out.secrets()));
      }
      return changed;
    } catch (RuntimeException e) {
      // A translation bug must not take the control plane down; the group keeps its last config.
      LOG.error("proxy {} (group {}): translation failed, keeping its previous config", LogSafe.escape(proxy.id()),
          LogSafe.escape(group), e);
      return false;
    }
  }

  private static long bytes(List<? extends Message> resources) {
    long sum = 0;
    for (Message m : resources) {
      sum += m.getSerializedSize();
    }
    return sum;
  }

  /** The last push; empty before the first. */
  public Optional<PushStatus> lastPush() {
    return Optional.ofNullable(lastPush);
  }

  public long pushes() {
    return pushes.get();
  }

  public long translations() {
    return translations.get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    workers.shutdownNow();
  }
}
