package io.bosun.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Simulated sidecars, one per pod of the mesh (pod {@code p / (services - 1) % replicas} of service
 * {@code p % (services - 1)}; the last service has none, so it can be scaled to zero without
 * deleting a proxy's own pod). Each has its own connection, as each Envoy has.
 */
final class Fleet implements AutoCloseable {
  /** The proxy version the fleet claims: that of the istiod build the side-by-side run uses. */
  static final String ISTIO_VERSION = "1.29.0";
  final List<SimProxy> proxies = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final long[] completeAt;

  Fleet(MeshGen mesh, int count, boolean delta) {
    int withProxies = Math.max(1, mesh.services() - 1);
    for (int p = 0; p < count; p++) {
      int s = p % withProxies;
      int r = p / withProxies % Math.max(1, mesh.replicas());
      String ns = mesh.namespace(s);
      String pod = MeshGen.podName(s, r);
      Struct labels = Struct.newBuilder()
          .putFields("app", Value.newBuilder().setStringValue(MeshGen.name(s)).build())
          .putFields("version", Value.newBuilder().setStringValue(MeshGen.version(r)).build()).build();
      Node node = Node.newBuilder().setId("sidecar~" + MeshGen.podIp(s, r) + "~" + pod + "." + ns + "~" + ns
              + ".svc.cluster.local")
          .setMetadata(Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue(ns).build())
              .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
              // what an Istio sidecar also sends, for istiod in the side-by-side run (Bosun ignores them)
              .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("Kubernetes").build())
              .putFields("ISTIO_VERSION", Value.newBuilder().setStringValue(ISTIO_VERSION).build()))
          .build();
      proxies.add(new SimProxy(node, delta));
    }
    completeAt = new long[count];
  }

  /** Connects every proxy, spread evenly over {@code spread}; returns when the last has connected. */
  void connect(int port, Duration spread) throws InterruptedException {
    long start = System.nanoTime();
    for (int i = 0; i < proxies.size(); i++) {
      long due = start + spread.toNanos() * i / proxies.size();
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
          .maxInboundMessageSize(256 << 20).build();
      channels.add(channel);
      proxies.get(i).connect(channel);
    }
  }

  /** Waits until every proxy holds everything it subscribed to; the time each first did (nanoTime). */
  long[] awaitComplete(Duration timeout) throws InterruptedException, TimeoutException {
    return awaitAll(SimProxy::complete, timeout);
  }

  /** Waits until {@code done} holds for every proxy, polling; the nanoTime it first held for each. */
  long[] awaitAll(Predicate<SimProxy> done, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Arrays.fill(completeAt, 0);
    int left = proxies.size();
    while (left > 0) {
      for (int i = 0; i < proxies.size(); i++) {
        SimProxy p = proxies.get(i);
        if (p.error() != null) {
          throw new IllegalStateException(p.id() + ": " + p.error(), p.error());
        }
        if (completeAt[i] == 0 && done.test(p)) {
          completeAt[i] = System.nanoTime();
          left--;
        }
      }
      if (left > 0) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(left + " of " + proxies.size() + " proxies not there after " + timeout);
        }
        Thread.sleep(10);
      }
    }
    return completeAt.clone();
  }

  void mark(long nanos) {
    proxies.forEach(p -> p.mark(nanos));
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
