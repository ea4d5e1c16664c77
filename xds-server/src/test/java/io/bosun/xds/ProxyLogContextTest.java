package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.bosun.logging.LogContext;
import io.bosun.xds.status.SyncTracker;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Every line about one proxy carries its node id in the MDC, on gRPC threads and on push threads alike. */
class ProxyLogContextTest {
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String ID = "sidecar~10.0.0.1~a.ns~ns.svc.cluster.local";

  @Test
  void streamOpenNackAndCloseLinesAndTheNewGroupListenerSeeTheProxy() throws Exception {
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(ProxyStream.class),
        (Logger) LoggerFactory.getLogger(SyncTracker.class));
    for (Logger l : loggers) {
      l.addAppender(lines);
      l.setLevel(Level.DEBUG);
    }
    List<String> seenByListener = new CopyOnWriteArrayList<>();
    String name = InProcessServerBuilder.generateName();
    XdsServer[] server = new XdsServer[1];
    server[0] = new XdsServer(InProcessServerBuilder.forName(name), Node::getCluster, (group, node) -> {
      seenByListener.add(String.valueOf(MDC.get(LogContext.PROXY)));
      server[0].setResources(group, Fixtures.basic());
    }).start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      try (FakeEnvoy envoy = new FakeEnvoy(channel, Node.newBuilder().setId(ID).setCluster("g1").build())) {
        envoy.request(CDS);
        DiscoveryResponse cds = envoy.expect(CDS);
        envoy.nack(cds, "", "bad cluster");
        await().atMost(Duration.ofSeconds(5))
            .until(() -> messages(lines).stream().anyMatch(m -> m.contains("rejected")));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> messages(lines).stream().anyMatch(m -> m.contains("closed")));
    } finally {
      channel.shutdownNow();
      server[0].close();
      for (Logger l : loggers) {
        l.detachAppender(lines);
        l.setLevel(null);
      }
    }
    assertThat(seenByListener).containsExactly(ID);
    List<ILoggingEvent> events = List.copyOf(lines.list);
    assertThat(events).extracting(ILoggingEvent::getFormattedMessage)
        .anyMatch(m -> m.contains("opened a sotw xDS stream"))
        .anyMatch(m -> m.contains(" sent CDS version"))
        .anyMatch(m -> m.contains("rejected CDS"))
        .anyMatch(m -> m.contains("closed its xDS stream"));
    assertThat(events).allSatisfy(e -> assertThat(e.getMDCPropertyMap()).as(e.getFormattedMessage())
        .containsEntry(LogContext.PROXY, ID));
  }

  private static List<String> messages(ListAppender<ILoggingEvent> lines) {
    return List.copyOf(lines.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  @SuppressWarnings("try") // the scopes are there to be closed
  void aScopeRestoresWhatTheKeyHeldAndNullChangesNothing() {
    try (LogContext.Scope outer = LogContext.resource("VirtualService", "shop", "web")) {
      assertThat(MDC.get(LogContext.RESOURCE)).isEqualTo("VirtualService shop/web");
      try (LogContext.Scope inner = LogContext.resource("Pod\nforged", "shop", "web-1")) {
        assertThat(MDC.get(LogContext.RESOURCE)).isEqualTo("Pod\\nforged shop/web-1");
      }
      try (LogContext.Scope none = LogContext.proxy(null)) {
        assertThat(MDC.get(LogContext.PROXY)).isNull();
      }
      assertThat(MDC.get(LogContext.RESOURCE)).isEqualTo("VirtualService shop/web");
    }
    assertThat(MDC.get(LogContext.RESOURCE)).isNull();
  }
}
