package io.bosun.xds;

import io.bosun.logging.LogContext;
import io.bosun.xds.auth.Caller;
import io.bosun.xds.auth.Refusals;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Optional;

/**
 * Puts a {@link ProxyStream} between gRPC and java-control-plane on every xDS call. An
 * interceptor rather than a callback because callbacks see requests only after
 * java-control-plane has taken the copy it hands to the cache.
 */
final class ProxyStreamInterceptor implements ServerInterceptor {

  private final StreamRules rules;

  ProxyStreamInterceptor(StreamRules rules) {
    this.rules = rules;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = Caller.CURRENT.get();
    if (caller == null) {
      // no CallerInterceptor in front (a test's bare server): anonymous
      caller = Caller.of(Optional.empty(), call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
          false);
    }
    ProxyStream stream = new ProxyStream(rules, caller);
    ServerCall<Q, R> watched = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        // Before sending: Envoy's reply must not overtake the record of what it replies to.
        stream.sent(message);
        super.sendMessage(message);
      }
    };
    return new StreamListener<>(next.startCall(watched, headers), call, stream);
  }

  private static final class StreamListener<Q, R> extends SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private final ProxyStream stream;
    private boolean refused;

    StreamListener(ServerCall.Listener<Q> delegate, ServerCall<Q, R> call, ProxyStream stream) {
      super(delegate);
      this.call = call;
      this.stream = stream;
    }

    @Override
    @SuppressWarnings("try") // the scope is there to be closed
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      // every line logged while java-control-plane and the callbacks handle this request names the proxy
      try (LogContext.Scope proxy = LogContext.proxy(stream.nodeId(message))) {
        Q prepared;
        try {
          prepared = prepare(message);
        } catch (ProxyStream.Refused e) {
          refused = true;
          Refusals.close(call, e.status);
          return;
        }
        super.onMessage(prepared);
      }
    }

    @SuppressWarnings("unchecked") // each branch returns the type it was given
    private Q prepare(Q message) throws ProxyStream.Refused {
      if (message instanceof DiscoveryRequest r) {
        return (Q) stream.prepare(r);
      }
      if (message instanceof DeltaDiscoveryRequest r) {
        return (Q) stream.prepare(r);
      }
      return message;
    }

    // gRPC runs these after the half-close/cancel handlers in which java-control-plane cancels
    // the stream's watches, so the group can be cleared from the cache here.
    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } finally {
        stream.closed();
      }
    }

    @Override
    public void onCancel() {
      try {
        super.onCancel();
      } finally {
        stream.closed();
      }
    }
  }
}
