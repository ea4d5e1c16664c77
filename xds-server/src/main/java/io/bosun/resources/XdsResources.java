package io.bosun.resources;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * One proxy's (or group's) complete xDS: what translation produces and the xDS server serves. A
 * pure value (Envoy protos only), so translation can return it without knowing the server.
 * Immutable; each list is sorted by resource name in the constructor so that equal content
 * always yields equal versions, whatever order the caller produced it in. Two resources of one
 * type with the same name are rejected, because which one survived would otherwise depend on
 * input order.
 *
 * <p>Versions hash the deterministic protobuf serialization of each resource. Bytes already inside an {@code Any}
 * (typed_config) are hashed as they are, so callers should pack them from deterministic
 * builders too. Each is computed once per instance: many proxies share one instance, and
 * {@link #withSecrets} shares the versions of everything but the Secrets.
 */
public final class XdsResources {

  private static final XdsResources EMPTY =
      new XdsResources(List.of(), List.of(), List.of(), List.of(), List.of());

  private final List<Cluster> clusters;
  private final List<ClusterLoadAssignment> endpoints;
  private final List<Listener> listeners;
  private final List<RouteConfiguration> routes;
  private final List<Secret> secrets;
  /**
   * CDS, EDS, LDS, RDS, SDS versions once computed. A race computes one twice, to the same
   * immutable String, so no lock is needed.
   */
  private final String[] versions = new String[5];

  public XdsResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                      List<RouteConfiguration> routes, List<Secret> secrets) {
    this.clusters = sortedByName(clusters, Cluster::getName, "cluster");
    this.endpoints = sortedByName(endpoints, ClusterLoadAssignment::getClusterName, "endpoint");
    this.listeners = sortedByName(listeners, Listener::getName, "listener");
    this.routes = sortedByName(routes, RouteConfiguration::getName, "route");
    this.secrets = sortedByName(secrets, Secret::getName, "secret");
  }

  public XdsResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                      List<RouteConfiguration> routes) {
    this(clusters, endpoints, listeners, routes, List.of());
  }

  /** The same resources with other Secrets; the other types keep their (already computed) versions. */
  public XdsResources withSecrets(List<Secret> newSecrets) {
    return new XdsResources(this, endpoints, sortedByName(newSecrets, Secret::getName, "secret"));
  }

  /** The same resources with other endpoints; the other types keep their (already computed) versions. */
  public XdsResources withEndpoints(List<ClusterLoadAssignment> newEndpoints) {
    return new XdsResources(this, sortedByName(newEndpoints, ClusterLoadAssignment::getClusterName, "endpoint"),
        secrets);
  }

  private XdsResources(XdsResources other, List<ClusterLoadAssignment> endpoints, List<Secret> secrets) {
    this.clusters = other.clusters;
    this.endpoints = endpoints;
    this.listeners = other.listeners;
    this.routes = other.routes;
    this.secrets = secrets;
    versions[0] = other.clustersVersion();
    versions[2] = other.listenersVersion();
    versions[3] = other.routesVersion();
    if (endpoints == other.endpoints) {
      versions[1] = other.endpointsVersion();
    }
    if (secrets == other.secrets) {
      versions[4] = other.secretsVersion();
    }
  }

  public static XdsResources empty() {
    return EMPTY;
  }

  public List<Cluster> clusters() {
    return clusters;
  }

  public List<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  public List<Listener> listeners() {
    return listeners;
  }

  public List<RouteConfiguration> routes() {
    return routes;
  }

  public List<Secret> secrets() {
    return secrets;
  }

  /** First 16 hex chars of SHA-256 over the sorted clusters. */
  public String clustersVersion() {
    return version(0, clusters);
  }

  public String endpointsVersion() {
    return version(1, endpoints);
  }

  public String listenersVersion() {
    return version(2, listeners);
  }

  public String routesVersion() {
    return version(3, routes);
  }

  public String secretsVersion() {
    return version(4, secrets);
  }

  private String version(int type, List<? extends Message> resources) {
    String v = versions[type];
    if (v == null) {
      v = versionOf(resources);
      versions[type] = v;
    }
    return v;
  }

  /** Equal content: the same resources of every type, in the same (name) order. */
  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof XdsResources r && clusters.equals(r.clusters) && endpoints.equals(r.endpoints)
        && listeners.equals(r.listeners) && routes.equals(r.routes) && secrets.equals(r.secrets);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clusters, endpoints, listeners, routes, secrets);
  }

  /** Secrets carry private keys: never print them. */
  @Override
  public String toString() {
    return "XdsResources[" + clusters.size() + " clusters, " + endpoints.size() + " endpoints, " + listeners.size()
        + " listeners, " + routes.size() + " routes, " + secrets.size() + " secrets]";
  }

  /**
   * A resource's SHA-256, by instance: many proxies' results hold the same instances, and
   * generations keep unchanged ones, so each is serialized once, not once per version computed.
   * Weak keys compare by identity and let a resource's entry go with it.
   */
  private static final Cache<Message, byte[]> DIGESTS = CacheBuilder.newBuilder().weakKeys().build();

  /** First 16 hex chars of SHA-256 over the resources' own SHA-256s, in list order. */
  public static String versionOf(List<? extends Message> resources) {
    MessageDigest digest = sha256();
    for (Message resource : resources) {
      try {
        digest.update(DIGESTS.get(resource, () -> digestOf(resource)));
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot hash " + resource.getClass().getSimpleName(), e.getCause());
      }
    }
    return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
  }

  private static byte[] digestOf(Message resource) {
    MessageDigest digest = sha256();
    try (DigestOutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
      CodedOutputStream out = CodedOutputStream.newInstance(sink);
      out.useDeterministicSerialization();
      resource.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return digest.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static <T> List<T> sortedByName(List<T> resources, Function<T, String> name, String kind) {
    List<T> sorted = new ArrayList<>(List.copyOf(resources));
    sorted.sort(Comparator.comparing(name));
    for (int i = 1; i < sorted.size(); i++) {
      String current = name.apply(sorted.get(i));
      if (current.equals(name.apply(sorted.get(i - 1)))) {
        throw new IllegalArgumentException("duplicate " + kind + " name: " + current);
      }
    }
    return List.copyOf(sorted);
  }
}
