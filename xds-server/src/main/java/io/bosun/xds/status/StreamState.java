package io.bosun.xds.status;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What was sent and answered on one xDS stream, per type. Guarded by its own monitor. */
final class StreamState {

  /** What a request meant for the response it answers. */
  enum Reply { NONE, ACK, NACK }

  private static final class TypeState {
    SyncState state = SyncState.NOT_SENT;
    String sentVersion = "";
    String sentNonce = "";
    String ackedVersion = "";
    String error = "";
    /** The version last NACKed: an ACK of that same version later does not mean it applied. */
    String rejectedVersion = "";
  }

  final long streamId;
  final String nodeId;
  final String group;
  final String kind;
  final String proxyVersion;
  private final Map<String, TypeState> types = new HashMap<>();

  StreamState(long streamId, String nodeId, String group, String kind, String proxyVersion) {
    this.streamId = streamId;
    this.nodeId = nodeId;
    this.group = group;
    this.kind = kind;
    this.proxyVersion = proxyVersion;
    for (String type : SyncTracker.TYPES) {
      types.put(type, new TypeState());
    }
  }

  synchronized void sent(String type, String version, String nonce) {
    TypeState t = types.get(type);
    t.state = SyncState.STALE;
    t.sentVersion = version;
    t.sentNonce = nonce;
  }

  /**
   * Applies a request. Only a first answer to the outstanding nonce counts, so a repeated
   * request (e.g. a changed EDS subscription carrying the same nonce) is not a second NACK.
   */
  synchronized Reply answered(String type, String nonce, String errorOrNull) {
    TypeState t = types.get(type);
    if (nonce.isEmpty() || !nonce.equals(t.sentNonce) || t.state != SyncState.STALE) {
      return Reply.NONE;
    }
    if (errorOrNull != null) {
      t.state = SyncState.ERROR;
      t.error = errorOrNull;
      t.rejectedVersion = t.sentVersion;
      return Reply.NACK;
    }
    if (t.sentVersion.equals(t.rejectedVersion)) {
      // Envoy ACKs a response of the rejected version that carries only some of the resources
      // (one SDS secret of several, finding 12): the rejected one still did not apply
      t.state = SyncState.ERROR;
      return Reply.NONE;
    }
    t.rejectedVersion = "";
    t.state = SyncState.SYNCED;
    t.ackedVersion = t.sentVersion;
    t.error = "";
    return Reply.ACK;
  }

  synchronized String sentVersion(String type) {
    return types.get(type).sentVersion;
  }

  synchronized ProxySync view() {
    List<TypeSync> out = new ArrayList<>(SyncTracker.TYPES.size());
    Map<String, String> nonces = new HashMap<>();
    for (String type : SyncTracker.TYPES) {
      TypeState t = types.get(type);
      out.add(new TypeSync(type, t.state, t.sentVersion, t.ackedVersion, t.error));
      nonces.put(type, t.sentNonce);
    }
    return new ProxySync(nodeId, group, kind, out, nonces, proxyVersion);
  }
}
