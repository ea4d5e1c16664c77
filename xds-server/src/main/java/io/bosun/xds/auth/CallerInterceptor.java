package io.bosun.xds.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works out who is calling before any service sees the call: the bearer token and client
 * certificate go to the {@link Authenticator}, and the resulting {@link Caller} is put in the
 * gRPC context. Refuses, before any work is done for it, a call whose credentials prove nothing,
 * an anonymous call where authentication is required, and a call beyond its principal's limit.
 */
public final class CallerInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(CallerInterceptor.class);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Authenticator authenticator;
  private final boolean requireIdentity;
  private final int streamsPerPrincipal;
  private final Map<String, AtomicInteger> open;
  private final RefusalLog refusals = new RefusalLog(LOG);

  /** {@code open} is shared by every port's interceptor, so a limit holds across ports. */
  public CallerInterceptor(Authenticator authenticator, boolean requireIdentity, int streamsPerPrincipal,
                           Map<String, AtomicInteger> open) {
    this.authenticator = authenticator;
    this.requireIdentity = requireIdentity;
    this.streamsPerPrincipal = streamsPerPrincipal;
    this.open = open;
  }

  public static Map<String, AtomicInteger> newCounters() {
    return new ConcurrentHashMap<>();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                    ServerCallHandler<Q, R> next) {
    SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    Credentials credentials = new Credentials(bearer(headers.get(AUTHORIZATION)), peerCertificates(tls));
    Caller caller;
    try {
      Optional<Identity> identity = authenticator.authenticate(credentials);
      caller = Caller.of(identity, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), tls != null);
    } catch (AuthenticationException e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()), "credentials refused: "
          + e.getMessage());
    } catch (RuntimeException e) {
      // e.g. the API server cannot review the token right now: the proxy retries
      return refuse(call, Status.UNAVAILABLE.withDescription("cannot authenticate the caller right now"),
          "cannot authenticate: " + e);
    }
    if (requireIdentity && !caller.authenticated()) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "this port requires a workload identity: a service-account token (authorization: Bearer) or a client"
              + " certificate issued by Bosun's CA"), "no credentials");
    }
    AtomicInteger count = open.computeIfAbsent(caller.principal(), p -> new AtomicInteger());
    if (count.incrementAndGet() > streamsPerPrincipal) {
      release(caller.principal(), count);
      return refuse(call, Status.RESOURCE_EXHAUSTED.withDescription(
          "too many open calls for " + caller.principal() + " (limit " + streamsPerPrincipal + ")"),
          caller + " is over its limit of " + streamsPerPrincipal + " open calls");
    }
    Context context = Context.current().withValue(Caller.CURRENT, caller);
    ServerCall.Listener<Q> delegate = Contexts.interceptCall(context, call, headers, next);
    Caller finalCaller = caller;
    return new SimpleForwardingServerCallListener<>(delegate) {
      private boolean released;

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          done();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          done();
        }
      }

      private synchronized void done() {
        if (!released) {
          released = true;
          release(finalCaller.principal(), count);
        }
      }
    };
  }

  private void release(String principal, AtomicInteger count) {
    if (count.decrementAndGet() <= 0) {
      open.remove(principal, count);
    }
  }

  private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String reason) {
    Object remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String address = remote instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : String.valueOf(remote);
    refusals.refused(address + " " + status.getCode(), call.getMethodDescriptor().getFullMethodName() + " from "
        + remote + " refused: " + reason);
    Refusals.close(call, status);
    return new ServerCall.Listener<>() {
    };
  }

  private static String bearer(String header) {
    if (header == null) {
      return "";
    }
    String h = header.trim();
    return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : "";
  }

  private static List<X509Certificate> peerCertificates(SSLSession session) {
    if (session == null) {
      return List.of();
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : session.getPeerCertificates()) {
        if (c instanceof X509Certificate x) {
          out.add(x);
        }
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of(); // no client certificate
    }
  }
}
