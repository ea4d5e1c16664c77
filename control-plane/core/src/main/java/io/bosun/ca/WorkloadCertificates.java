package io.bosun.ca;

import com.google.protobuf.ByteString;
import io.bosun.xds.auth.Identity;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workload identities as Envoy receives them over SDS: the secret {@code default} (a certificate
 * for the proxy's SPIFFE identity and its key) and {@code ROOTCA} (the trust bundle), Istio's
 * names. One certificate per identity, kept until it passes half its lifetime (Istio's renewal
 * point) or the CA changes, then replaced; {@link #rotate} reports whether anything was, so the
 * caller pushes the new one. Nothing restarts: Envoy uses a new SDS secret for new connections.
 */
public final class WorkloadCertificates {
  public static final String DEFAULT = "default";
  public static final String ROOTCA = "ROOTCA";
  /** Istio renews a workload certificate once half of its lifetime has passed. */
  static final double RENEW_AT = 0.5;
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadCertificates.class);

  private record Held(CertificateAuthority.Issued issued, CertificateAuthority ca, List<Secret> secrets) {
  }

  private final MeshCa ca;
  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  public WorkloadCertificates(MeshCa ca, Duration ttl, Clock clock) {
    this.ca = ca;
    this.ttl = ttl;
    this.clock = clock;
  }

  public Duration ttl() {
    return ttl;
  }

  /** Whether certificates can be issued yet (the CA is loaded). */
  public boolean ready() {
    return ca.loaded();
  }

  /**
   * {@code default} and {@code ROOTCA} for {@code identity}, issuing the certificate on first use;
   * none while the CA is not loaded yet (the push after it loads brings them).
   */
  public List<Secret> secrets(Identity identity) {
    if (!ca.loaded()) {
      return List.of();
    }
    return held.compute(identity.spiffeId(), (id, h) -> fresh(h) ? h : issue(identity)).secrets();
  }

  /** The certificate currently held for {@code identity}, if one was issued. */
  public Optional<CertificateAuthority.Issued> current(Identity identity) {
    return Optional.ofNullable(held.get(identity.spiffeId())).map(Held::issued);
  }

  /**
   * Replaces every certificate past its renewal point or signed by a CA that is no longer current,
   * and forgets those of identities not in {@code inUse} (no proxy of theirs is connected).
   * Returns whether any certificate in use was replaced.
   */
  public boolean rotate(Set<String> inUse) {
    held.keySet().retainAll(inUse);
    if (!ca.loaded()) {
      return false;
    }
    boolean changed = false;
    for (Map.Entry<String, Held> e : held.entrySet()) {
      if (!fresh(e.getValue())) {
        Identity id = Identity.fromSpiffe(e.getKey()).orElseThrow();
        e.setValue(issue(id));
        changed = true;
      }
    }
    return changed;
  }

  private boolean fresh(Held h) {
    return h != null && h.ca() == ca.current() && !h.issued().due(clock.instant(), RENEW_AT);
  }

  private Held issue(Identity identity) {
    CertificateAuthority authority = ca.current();
    CertificateAuthority.Issued issued = authority.issueWorkload(identity, ttl);
    LOG.info("{}: workload certificate issued, valid until {}", identity.spiffeId(), issued.notAfter());
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(issued.certificate());
    chain.addAll(authority.chain().isEmpty() && authority.roots().contains(authority.signer()) ? List.of()
        : intermediates(authority));
    Secret certificate = Secret.newBuilder().setName(DEFAULT).setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(inline(Pem.of(chain)))
        .setPrivateKey(inline(issued.keyPem()))).build();
    Secret roots = Secret.newBuilder().setName(ROOTCA).setValidationContext(CertificateValidationContext.newBuilder()
        .setTrustedCa(inline(authority.rootsPem()))).build();
    return new Held(issued, authority, List.of(certificate, roots));
  }

  /** The signer and the chain above it, without the roots (peers have those). */
  private static List<X509Certificate> intermediates(CertificateAuthority authority) {
    List<X509Certificate> out = new ArrayList<>();
    out.add(authority.signer());
    out.addAll(authority.chain());
    out.removeIf(authority.roots()::contains);
    return out;
  }

  private static DataSource inline(String pem) {
    return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.UTF_8)).build();
  }
}
