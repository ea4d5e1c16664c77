package io.bosun.runtime;

import io.bosun.ca.WorkloadCertificates;
import io.bosun.config.ConfigStore;
import io.bosun.identity.SecretAccess;
import io.bosun.push.ProxyRegistry;
import io.bosun.push.PushController;
import io.bosun.telemetry.MeshMetrics;
import io.bosun.xds.XdsCache;
import io.bosun.xds.XdsServer;
import io.bosun.xds.auth.XdsSecurity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/**
 * The one data path both modes run: store → debounce → translation → xDS. Built in this
 * constructor, in that order, with no setters: the proxies the server sees, the cache it serves
 * from, the push controller publishing into the cache, and the server itself.
 */
public final class Pipeline implements AutoCloseable {
  private final ConfigStore store;
  private final ProxyRegistry proxies;
  private final XdsCache cache;
  private final PushController push;
  private final XdsServer xds;

  /**
   * @param complete  whether the store holds the whole config yet (until then proxies get nothing)
   * @param plaintext the plaintext xDS port; null for none (TLS is started by {@link #xds()} users)
   */
  public Pipeline(ConfigStore store, BooleanSupplier complete, SecretAccess secretAccess,
                  WorkloadCertificates certificates, InetSocketAddress plaintext, XdsSecurity security,
                  MeshMetrics metrics) {
    this.store = store;
    proxies = new ProxyRegistry(store);
    cache = new XdsCache(proxies::groupOf);
    push = new PushController(store, complete, secretAccess, certificates, proxies, cache, metrics);
    xds = new XdsServer(plaintext, cache, push::onNewGroup, security);
  }

  public Pipeline start() throws IOException {
    xds.start();
    return this;
  }

  public ConfigStore store() {
    return store;
  }

  public XdsServer xds() {
    return xds;
  }

  public XdsCache cache() {
    return cache;
  }

  public PushController push() {
    return push;
  }

  @Override
  public void close() {
    xds.close();
    push.close();
  }
}
