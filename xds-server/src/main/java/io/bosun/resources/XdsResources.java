package io.bosun.resources;

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
import java.util.function.Function;

/**
 * One proxy's (or group's) complete xDS: what translation produces and the xDS server serves. A
 * pure value (Envoy protos only), so translation can return it without knowing the server. Immutable; each list is
 * sorted by resource name in the
 * constructor so that equal content always yields equal versions, whatever order the caller
 * produced it in. Two resources of one type with the same name are rejected, because which one
 * survived would otherwise depend on input order.
 *
 * <p>Versions hash the deterministic protobuf serialization. Bytes already inside an {@code Any}
 * (typed_config) are hashed as they are, so callers should pack them from deterministic
 * builders too.
 */
public record XdsResources(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Secret> secrets) {

  private static final XdsResources EMPTY =
      new XdsResources(List.of(), List.of(), List.of(), List.of(), List.of());

  public XdsResources {
    clusters = sortedByName(clusters, Cluster::getName, "cluster");
    endpoints = sortedByName(endpoints, ClusterLoadAssignment::getClusterName, "endpoint");
    listeners = sortedByName(listeners, Listener::getName, "listener");
    routes = sortedByName(routes, RouteConfiguration::getName, "route");
    secrets = sortedByName(secrets, Secret::getName, "secret");
  }

  public XdsResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
                      List<RouteConfiguration> routes) {
    this(clusters, endpoints, listeners, routes, List.of());
  }

  public static XdsResources empty() {
    return EMPTY;
  }

  /** First 16 hex chars of SHA-256 over the sorted clusters. */
  public String clustersVersion() {
    return versionOf(clusters);
  }

  public String endpointsVersion() {
    return versionOf(endpoints);
  }

  public String listenersVersion() {
    return versionOf(listeners);
  }

  public String routesVersion() {
    return versionOf(routes);
  }

  public String secretsVersion() {
    return versionOf(secrets);
  }

  /** Secrets carry private keys: never print them. */
  @Override
  public String toString() {
    return "XdsResources[" + clusters.size() + " clusters, " + endpoints.size() + " endpoints, " + listeners.size()
        + " listeners, " + routes.size() + " routes, " + secrets.size() + " secrets]";
  }

  public static String versionOf(List<? extends Message> resources) {
    MessageDigest digest = sha256();
    try (DigestOutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
      CodedOutputStream out = CodedOutputStream.newInstance(sink);
      out.useDeterministicSerialization();
      for (Message resource : resources) {
        // Length prefix keeps [a, b] and [ab] apart.
        out.writeUInt32NoTag(resource.getSerializedSize());
        resource.writeTo(out);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
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
