package io.bosun.runtime;

import io.bosun.config.ConfigParser;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Something Kubernetes mode also runs, provided by another module (found with ServiceLoader):
 * the admission webhooks and xDS over TLS with their certificate. {@code settings} are the
 * {@code bosun kube} options the extension declares in {@link #options()}.
 */
public interface KubeExtension {
  /** Option names (without {@code --}) this extension reads. */
  java.util.Set<String> options();

  /**
   * Starts it; closing the result stops it. {@code leader} tells whether this replica leads;
   * {@code xds} is the running xDS server (e.g. to serve it over TLS too).
   */
  AutoCloseable start(KubernetesClient client, ConfigParser parser, String namespace, Map<String, String> settings,
                      BooleanSupplier leader, io.bosun.xds.XdsServer xds) throws Exception;
}
