package io.bosun.xds;

import static io.bosun.xds.Fixtures.CDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.resources.XdsResources;
import io.bosun.xds.auth.AdmissionException;
import io.bosun.xds.auth.AuthenticationException;
import io.bosun.xds.auth.Authenticator;
import io.bosun.xds.auth.Identity;
import io.bosun.xds.auth.NodeAdmission;
import io.bosun.xds.auth.XdsSecurity;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who may open an xDS stream, as what (the xDS server's side of the "trust the caller" work): a
 * caller's credentials decide its identity before any config is computed, a bad credential is
 * refused rather than treated as anonymous, a node is admitted (or refused) before its group is
 * made, an identity a caller writes into its own node never counts, and one caller can neither
 * hold unbounded streams nor make Bosun compute unbounded groups.
 */
class XdsAuthTest {
  static final Identity APP = new Identity("cluster.local", "shop", "web", "web-1");
  private final Map<String, XdsResources> published = new ConcurrentHashMap<>();
  private XdsServer server;
  private ManagedChannel channel;

  /** Tokens "good-<n>" prove APP (as principal n), "bad" is refused, none is anonymous. */
  static final Authenticator TOKENS = credentials -> {
    String t = credentials.bearerToken();
    if (t.isEmpty()) {
      return Optional.empty();
    }
    if (t.startsWith("good")) {
      return Optional.of(new Identity("cluster.local", "shop", "web", t));
    }
    throw new AuthenticationException("token refused");
  };

  void start(NodeAdmission admission, int streams, int groups, boolean requireIdentity) throws Exception {
    String name = InProcessServerBuilder.generateName();
    XdsSecurity security = new XdsSecurity(TOKENS, admission, streams, groups, XdsSecurity.DEFAULT_IDLE_TIMEOUT);
    server = new XdsServer(InProcessServerBuilder.forName(name), Node::getId,
        (group, node) -> server.setResources(group, resourcesFor(node)), security).startAuthenticated(requireIdentity);
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** One cluster named after the identity the node was admitted with (none: "anonymous"). */
  XdsResources resourcesFor(Node node) {
    Value id = node.getMetadata().getFieldsOrDefault(Identity.NODE_METADATA_KEY, Value.getDefaultInstance());
    XdsResources r = new XdsResources(List.of(Fixtures.cluster(id.hasStringValue() ? id.getStringValue()
        : "anonymous", 1)), List.of(), List.of(), List.of());
    published.put(node.getId(), r);
    return r;
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  Channel withToken(String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(m));
  }

  static Node node(String id) {
    return Node.newBuilder().setId(id).build();
  }

  @Test
  void anonymousCallersAreRefusedWhereAnIdentityIsRequired() throws Exception {
    start(NodeAdmission.CLAIMS, 64, 16, true);
    try (FakeEnvoy envoy = new FakeEnvoy(channel, node("anon"))) {
      envoy.request(CDS);
      assertThat(envoy.endStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    try (FakeEnvoy envoy = new FakeEnvoy(withToken("good-1"), node("app"))) {
      envoy.request(CDS);
      assertThat(envoy.expect(CDS).getResources(0).unpack(Cluster.class)
          .getName()).isEqualTo(new Identity("cluster.local", "shop", "web", "").spiffeId());
    }
  }

  @Test
  void aBadCredentialIsRefusedNotTreatedAsAnonymous() throws Exception {
    start(NodeAdmission.CLAIMS, 64, 16, false);
    try (FakeEnvoy envoy = new FakeEnvoy(withToken("bad"), node("x"))) {
      envoy.request(CDS);
      Status s = envoy.endStatus();
      assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(s.getDescription()).isEqualTo("token refused");
    }
  }

  @Test
  void anIdentityTheCallerWritesIntoItsNodeNeverCounts() throws Exception {
    start(NodeAdmission.CLAIMS, 64, 16, false);
    Node forged = Node.newBuilder().setId("forger").setMetadata(Struct.newBuilder().putFields(
        Identity.NODE_METADATA_KEY, Value.newBuilder().setStringValue("spiffe://cluster.local/ns/istio-system/sa/admin")
            .build())).build();
    try (FakeEnvoy envoy = new FakeEnvoy(channel, forged)) {
      envoy.request(CDS);
      assertThat(envoy.expect(CDS).getResources(0).unpack(Cluster.class)
          .getName()).isEqualTo("anonymous");
    }
  }

  @Test
  void admissionRefusesBeforeAnyGroupIsComputed() throws Exception {
    start((caller, n) -> {
      throw new AdmissionException("node " + n.getId() + " is not yours");
    }, 64, 16, false);
    try (FakeEnvoy envoy = new FakeEnvoy(withToken("good-1"), node("someone-else"))) {
      envoy.request(CDS);
      Status s = envoy.endStatus();
      assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(s.getDescription()).isEqualTo("node someone-else is not yours");
    }
    assertThat(published).isEmpty();
  }

  @Test
  void oneCallerCannotMakeUnboundedGroups() throws Exception {
    start(NodeAdmission.CLAIMS, 64, 2, false);
    Channel one = withToken("good-1");
    try (FakeEnvoy a = new FakeEnvoy(one, node("a")); FakeEnvoy b = new FakeEnvoy(one, node("b"));
         FakeEnvoy c = new FakeEnvoy(one, node("c")); FakeEnvoy other = new FakeEnvoy(withToken("good-2"), node("d"))) {
      a.request(CDS);
      a.expect(CDS);
      b.request(CDS);
      b.expect(CDS);
      c.request(CDS);
      assertThat(c.endStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      // another principal is not affected, and a group already held may get more streams
      other.request(CDS);
      other.expect(CDS);
      try (FakeEnvoy again = new FakeEnvoy(one, node("a"))) {
        again.request(CDS);
        again.expect(CDS);
      }
    }
    assertThat(published).doesNotContainKey("c");
  }

  @Test
  void oneCallerCannotHoldUnboundedStreams() throws Exception {
    start(NodeAdmission.CLAIMS, 2, 16, false);
    Channel one = withToken("good-1");
    // one stream at a time: which of several concurrently opened streams is the third is up to the transport
    try (FakeEnvoy a = new FakeEnvoy(one, node("a"))) {
      a.request(CDS);
      a.expect(CDS);
      try (FakeEnvoy b = new FakeEnvoy(one, node("a"))) {
        b.request(CDS);
        b.expect(CDS);
        try (FakeEnvoy c = new FakeEnvoy(one, node("a"))) {
          c.request(CDS);
          assertThat(c.endStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        }
      }
    }
  }

  @Test
  void aChangeOfSecretsAloneIsPublished() throws Exception {
    // a renewed workload certificate or a rotated credentialName Secret changes nothing else
    start(NodeAdmission.CLAIMS, 64, 16, false);
    XdsResources base = Fixtures.basic();
    XdsResources one = new XdsResources(base.clusters(), base.endpoints(), base.listeners(), base.routes(),
        List.of(Secret.newBuilder().setName("default").build()));
    XdsResources two = new XdsResources(base.clusters(), base.endpoints(), base.listeners(), base.routes(),
        List.of(Secret.newBuilder().setName("default").setTlsCertificate(
            TlsCertificate.getDefaultInstance()).build()));
    assertThat(server.setResources("g", one)).isTrue();
    assertThat(server.setResources("g", one)).isFalse();
    assertThat(server.setResources("g", two)).isTrue();
  }
}
