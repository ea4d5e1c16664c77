package io.bosun.ca;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA Bosun signs with right now. Whoever loads it (a Secret, a directory, a new self-signed
 * root) {@link #set}s it; whoever depends on it (workload certificates, the serving certificate,
 * the published root) is told when it changes, so a new root or signing key needs no restart.
 */
public final class MeshCa {
  private static final Logger LOG = LoggerFactory.getLogger(MeshCa.class);
  private final AtomicReference<CertificateAuthority> current;
  private final List<Consumer<CertificateAuthority>> listeners = new CopyOnWriteArrayList<>();

  public MeshCa(CertificateAuthority initial) {
    current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  /** A CA loaded later (Kubernetes mode reads it from a Secret once the API server answers). */
  public MeshCa() {
    current = new AtomicReference<>();
  }

  public boolean loaded() {
    return current.get() != null;
  }

  /** The current CA; throws IllegalStateException while none is loaded yet. */
  public CertificateAuthority current() {
    CertificateAuthority ca = current.get();
    if (ca == null) {
      throw new IllegalStateException("the mesh CA is not loaded yet");
    }
    return ca;
  }

  /** Replaces the CA when it differs (another signer or trust bundle); returns whether it did. */
  public boolean set(CertificateAuthority next) {
    CertificateAuthority previous = current.get();
    if (previous != null && previous.signer().equals(next.signer()) && previous.roots().equals(next.roots())
        && previous.chain().equals(next.chain())) {
      return false;
    }
    current.set(next);
    LOG.info("CA changed: now signing as {} (until {}), {} trusted root(s)", next.signer().getSubjectX500Principal(),
        next.signer().getNotAfter().toInstant(), next.roots().size());
    listeners.forEach(l -> {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.error("a CA change listener failed", e);
      }
    });
    return true;
  }

  public void onChange(Consumer<CertificateAuthority> listener) {
    listeners.add(listener);
  }
}
