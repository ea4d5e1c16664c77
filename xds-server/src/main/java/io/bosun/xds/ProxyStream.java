package io.bosun.xds;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import com.google.protobuf.Value;
import io.bosun.logging.LogContext;
import io.bosun.logging.LogSafe;
import io.bosun.xds.auth.AdmissionException;
import io.bosun.xds.auth.Caller;
import io.bosun.xds.auth.Identity;
import io.bosun.xds.auth.NodeAdmission;
import io.bosun.xds.auth.RefusalLog;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One xDS stream as seen before java-control-plane gets its requests. Envoy sends {@code node}
 * only on a stream's first request, but SimpleCache groups every request by its own node, so
 * later requests get the first node filled back in here.
 *
 * <p>Request handling is serialized by gRPC per call; {@link #sent} runs on push threads.
 */
final class ProxyStream {

  private static final Logger log = LoggerFactory.getLogger(ProxyStream.class);
  /** One shared instance per distinct resource name, over all streams. */
  private static final Interner<String> NAMES = Interners.newWeakInterner();
  private static final RefusalLog REFUSALS = new RefusalLog(log);

  /** Thrown to refuse a stream; carries the status the call is closed with. */
  static final class Refused extends Exception {
    final Status status;

    Refused(Status status) {
      super(status.getDescription(), null, false, false);
      this.status = status;
    }
  }

  private record Sent(String nonce, String version) {}

  private final StreamRules rules;
  private final Caller caller;
  private final Map<String, Sent> lastSent = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Node node;
  private volatile String group;

  ProxyStream(StreamRules rules, Caller caller) {
    this.rules = rules;
    this.caller = caller;
  }

  /** Returns the request java-control-plane should see. */
  DiscoveryRequest prepare(DiscoveryRequest request) throws Refused {
    Node streamNode = bind(request.hasNode() ? request.getNode() : null, "sotw");
    DiscoveryRequest.Builder fixed = null;
    if (!request.getNode().equals(streamNode)) {
      fixed = request.toBuilder().setNode(streamNode);
    }
    if (request.getResourceNamesCount() > 0) {
      // java-control-plane keeps each stream's last request: 2000 sidecars naming the same 3000
      // endpoint assignments held 6 million copies of those names (half a GiB) without this
      fixed = (fixed == null ? request.toBuilder() : fixed).clearResourceNames()
          .addAllResourceNames(intern(request.getResourceNamesList()));
    }
    Sent rejected = request.hasErrorDetail() ? lastSent.get(request.getTypeUrl()) : null;
    if (rejected != null && rejected.nonce().equals(request.getResponseNonce())
        && !rejected.version().equals(request.getVersionInfo())) {
      // A NACK names the last version Envoy accepted; SimpleCache would answer that at once with
      // the rejected config again, looping. Claiming the rejected version parks the watch until
      // the content really changes, which is what Istio does too.
      fixed = (fixed == null ? request.toBuilder() : fixed).setVersionInfo(rejected.version());
      log.debug("{} NACKed {} version {}, holding until it changes",
          LogSafe.escape(streamNode.getId()), request.getTypeUrl(), rejected.version());
    }
    return fixed == null ? request : fixed.build();
  }

  DeltaDiscoveryRequest prepare(DeltaDiscoveryRequest request) throws Refused {
    Node streamNode = bind(request.hasNode() ? request.getNode() : null, "delta");
    if (request.getResourceNamesSubscribeCount() > 0) {
      return request.toBuilder().setNode(streamNode).clearResourceNamesSubscribe()
          .addAllResourceNamesSubscribe(intern(request.getResourceNamesSubscribeList())).build();
    }
    return request.getNode().equals(streamNode)
        ? request
        : request.toBuilder().setNode(streamNode).build();
  }

  private static List<String> intern(List<String> names) {
    List<String> out = new ArrayList<>(names.size());
    names.forEach(n -> out.add(NAMES.intern(n)));
    return out;
  }

  /** Remembers what went out, so a NACK can be matched to the version it rejects. */
  void sent(Object response) {
    if (response instanceof DiscoveryResponse r) {
      lastSent.put(r.getTypeUrl(), new Sent(r.getNonce(), r.getVersionInfo()));
    }
  }

  /** Called once the stream is over and java-control-plane has cancelled its watches. */
  @SuppressWarnings("try") // the scope is there to be closed
  void closed() {
    if (!closed.compareAndSet(false, true) || group == null) {
      return;
    }
    try (LogContext.Scope proxy = LogContext.proxy(node.getId())) {
      log.info("{} closed its xDS stream (group {})", LogSafe.escape(node.getId()), LogSafe.escape(group));
      rules.groups().streamClosed(group, caller.principal());
    }
  }

  /** The node id this stream serves, or, before its first request, the one {@code request} names; null if none. */
  String nodeId(Object request) {
    Node bound = node;
    if (bound != null) {
      return bound.getId();
    }
    if (request instanceof DiscoveryRequest r && r.hasNode()) {
      return r.getNode().getId();
    }
    if (request instanceof DeltaDiscoveryRequest r && r.hasNode()) {
      return r.getNode().getId();
    }
    return null;
  }

  private Node bind(Node requestNode, String kind) throws Refused {
    if (node != null) {
      return node;
    }
    if (requestNode == null) {
      throw new Refused(Status.INVALID_ARGUMENT.withDescription(
          "the first request on an xDS stream must carry node"));
    }
    Node admitted;
    try {
      // a caller never chooses the identity it is served as: only admission sets it
      NodeAdmission.Admitted a = rules.admission().admit(caller, withIdentity(requestNode, null));
      admitted = withIdentity(a.node(), a.identity().orElse(null));
    } catch (AdmissionException e) {
      REFUSALS.refused(caller.principal(), requestNode.getId() + " (" + caller + ") refused: " + e.getMessage());
      throw new Refused(Status.PERMISSION_DENIED.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      log.error("{} ({}): admission failed, refusing its stream", LogSafe.escape(requestNode.getId()), caller, e);
      throw new Refused(Status.UNAVAILABLE.withDescription("cannot admit node " + requestNode.getId() + " now"));
    }
    String streamGroup;
    try {
      streamGroup = rules.grouping().groupOf(admitted);
    } catch (RuntimeException e) {
      log.error("{} cannot be grouped, refusing its stream", LogSafe.escape(requestNode.getId()), e);
      throw new Refused(Status.INTERNAL.withDescription("cannot group node " + requestNode.getId()));
    }
    ProxyGroups.Opened opened = rules.groups().streamOpened(streamGroup, caller.principal(),
        rules.groupsPerPrincipal());
    if (opened == ProxyGroups.Opened.OVER_LIMIT) {
      REFUSALS.refused(caller.principal(), requestNode.getId() + " (" + caller + ") refused: over the limit of "
          + rules.groupsPerPrincipal() + " proxy groups");
      throw new Refused(Status.RESOURCE_EXHAUSTED.withDescription(
          caller.principal() + " already has " + rules.groupsPerPrincipal() + " distinct proxies connected"));
    }
    node = admitted;
    group = streamGroup;
    log.info("{} opened a {} xDS stream as {} (group {})", LogSafe.escape(requestNode.getId()), kind, caller,
        LogSafe.escape(streamGroup));
    if (opened == ProxyGroups.Opened.NEW) {
      announce(streamGroup, admitted);
    }
    return admitted;
  }

  /** The node with {@link Identity#NODE_METADATA_KEY} set to {@code identity}'s SPIFFE id, or removed. */
  static Node withIdentity(Node node, Identity identity) {
    boolean has = node.getMetadata().containsFields(Identity.NODE_METADATA_KEY);
    if (identity == null && !has) {
      return node;
    }
    Node.Builder b = node.toBuilder();
    if (identity == null) {
      b.getMetadataBuilder().removeFields(Identity.NODE_METADATA_KEY);
    } else {
      b.getMetadataBuilder().putFields(Identity.NODE_METADATA_KEY,
          Value.newBuilder().setStringValue(identity.spiffeId()).build());
    }
    return b.build();
  }

  private void announce(String newGroup, Node first) {
    try {
      rules.listener().onNewGroup(newGroup, first);
    } catch (RuntimeException e) {
      // The watch still opens and waits for a later setResources; a later stream may retry.
      log.error("{} new-group listener failed for group {}", LogSafe.escape(first.getId()), LogSafe.escape(newGroup),
          e);
      rules.groups().announceFailed(newGroup);
    }
  }
}
