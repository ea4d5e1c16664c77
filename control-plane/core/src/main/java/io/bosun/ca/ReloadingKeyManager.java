package io.bosun.ca;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/** A server key manager whose certificate is replaced at run time: each handshake takes the current one. */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "bosun";

  private record KeyAndChain(PrivateKey key, X509Certificate[] chain) {
  }

  private final AtomicReference<KeyAndChain> current = new AtomicReference<>();

  public ReloadingKeyManager(CertificateAuthority.Issued initial) {
    set(initial);
  }

  /** Empty until the first {@link #set}. */
  public ReloadingKeyManager() {
  }

  /** The key and chain (leaf first) to present from the next handshake on. */
  public void set(CertificateAuthority.Issued issued) {
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(issued.certificate());
    chain.addAll(issued.chain());
    set(issued.key(), chain);
  }

  /** {@code chain}: the certificate for {@code key} first, then its issuers. */
  public void set(PrivateKey key, List<X509Certificate> chain) {
    current.set(new KeyAndChain(key, chain.toArray(X509Certificate[]::new)));
  }

  public X509Certificate certificate() {
    return current.get().chain()[0];
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return ALIAS;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return ALIAS;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current.get().chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current.get().key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return new String[] {ALIAS};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return new String[0];
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
