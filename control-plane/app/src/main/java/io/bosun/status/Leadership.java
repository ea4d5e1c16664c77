package io.bosun.status;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a Lease: every replica serves xDS, only the leader writes status. Losing
 * the lease just stops status writes; a replica keeps trying to become leader again.
 */
public final class Leadership implements AutoCloseable {
  public static final String LEASE = "bosun-leader";
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final AtomicBoolean leader = new AtomicBoolean();
  private final LeaderElector elector;
  private final String identity;
  private final Runnable onElected;
  private CompletableFuture<?> running;
  private volatile boolean closed;

  public Leadership(KubernetesClient client, String namespace, String identity, Duration leaseDuration,
                    Runnable onElected) {
    this.identity = identity;
    this.onElected = onElected;
    this.elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
        .withName("bosun")
        .withLock(new LeaseLock(namespace, LEASE, identity))
        .withLeaseDuration(leaseDuration)
        .withRenewDeadline(leaseDuration.multipliedBy(2).dividedBy(3))
        .withRetryPeriod(leaseDuration.dividedBy(5))
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(this::elected, this::deposed,
            newLeader -> LOG.info("leader is now {}", newLeader)))
        .build()).build();
  }

  public Leadership start() {
    running = elector.start();
    running.whenComplete((ok, error) -> {
      leader.set(false);
      if (!closed) {
        // The elector ends when leadership is lost; keep competing for it.
        LOG.info("{} left the election, rejoining", identity);
        start();
      }
    });
    return this;
  }

  private void elected() {
    leader.set(true);
    LOG.info("{} is the leader: writing status", identity);
    onElected.run();
  }

  private void deposed() {
    leader.set(false);
    LOG.info("{} is no longer the leader", identity);
  }

  public boolean isLeader() {
    return leader.get();
  }

  @Override
  public void close() {
    closed = true;
    if (running != null) {
      running.cancel(true);
    }
    leader.set(false);
  }
}
