package io.bosun.status;

import io.bosun.concurrent.DaemonThreads;
import io.bosun.concurrent.Debouncer;
import io.bosun.config.ConfigStore;
import io.bosun.model.ResourceRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the store's verdicts go in Kubernetes mode: the leader (elected on a Lease) writes them
 * as status conditions, debounced after every change, on becoming leader, and every 30 s (which
 * retries failed writes and catches up after an outage). A sink only: nothing here feeds config.
 */
public final class StatusSink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusSink.class);

  private final ScheduledExecutorService executor = DaemonThreads.scheduler("status");
  private final Debouncer debouncer;
  private final Leadership leadership;

  /**
   * @param ready   whether the store holds the whole config (informers synced): status is not
   *                written from a partial view
   * @param objects the API object behind a store entry
   */
  public StatusSink(KubernetesClient client, ConfigStore store, BooleanSupplier ready,
                    Function<ResourceRef, Optional<HasMetadata>> objects, String leaseNamespace, String identity,
                    Duration leaseDuration) {
    StatusWriter writer = new StatusWriter(client, objects, store, this::isLeader);
    Runnable sync = () -> {
      try {
        if (ready.getAsBoolean()) {
          writer.sync();
        }
      } catch (RuntimeException e) {
        LOG.warn("status sync failed, retrying later", e);
      }
    };
    debouncer = new Debouncer(executor, 200, 5_000, sync);
    store.addListener(debouncer::trigger);
    executor.scheduleWithFixedDelay(sync, 30, 30, TimeUnit.SECONDS);
    leadership = new Leadership(client, leaseNamespace, identity, leaseDuration, debouncer::trigger);
  }

  public StatusSink start() {
    leadership.start();
    return this;
  }

  /** Asks for a write soon (e.g. once the informers have synced). */
  public void requestSync() {
    debouncer.trigger();
  }

  public boolean isLeader() {
    return leadership.isLeader();
  }

  /** Stops writing; the lease release it attempts is bounded by the caller (it needs the API server). */
  public void closeLeadership() {
    leadership.close();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
