package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.TlsSecret;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * SDS: the certificates a proxy's listeners and clusters name ({@code kubernetes://<credentialName>}
 * and {@code kubernetes://<credentialName>-cacert}, as Istio names them), from the Secrets of the
 * proxy's own namespace, and only to a proxy whose identity may read them
 * ({@link Proxy#secretAccess()}). A listener or cluster whose Secret a proxy will not get is left
 * out of its config: Envoy would otherwise wait for it (and hold back its initialization).
 */
final class SecretBuilder {
  static final String PREFIX = "kubernetes://";
  static final String CA_SUFFIX = "-cacert";

  private SecretBuilder() {
  }

  static List<Secret> build(MeshSnapshot snapshot, Proxy proxy, List<Cluster> clusters, List<Listener> listeners) {
    TreeSet<String> names = new TreeSet<>();
    for (Listener l : listeners) {
      List<FilterChain> chains = new ArrayList<>(l.getFilterChainsList());
      chains.add(l.getDefaultFilterChain());
      for (FilterChain c : chains) {
        if (c.hasTransportSocket()) {
          names(c.getTransportSocket().getTypedConfig(), names);
        }
      }
    }
    for (Cluster c : clusters) {
      if (c.hasTransportSocket()) {
        names(c.getTransportSocket().getTypedConfig(), names);
      }
    }
    List<Secret> out = new ArrayList<>();
    if (!proxy.secretAccess()) {
      return out;
    }
    for (String name : names) {
      resolve(snapshot, proxy.namespace(), name).ifPresent(out::add);
    }
    return out;
  }

  /** Whether {@code credentialName} can be served to {@code proxy}, with a CA when {@code needCa}. */
  static boolean available(MeshSnapshot snapshot, Proxy proxy, String credentialName, boolean needCa) {
    return proxy.secretAccess()
        && resolve(snapshot, proxy.namespace(), PREFIX + credentialName).isPresent()
        && (!needCa || resolve(snapshot, proxy.namespace(), PREFIX + credentialName + CA_SUFFIX).isPresent());
  }

  /**
   * {@code clusters} without those naming a {@code kubernetes://} Secret {@code proxy} will not
   * get (a DestinationRule's credentialName seen from another namespace, or a proxy that may not
   * read Secrets). Requests for such a destination fail (no cluster) rather than wait.
   */
  static List<Cluster> servable(MeshSnapshot snapshot, Proxy proxy, List<Cluster> clusters) {
    List<Cluster> out = null;
    for (int i = 0; i < clusters.size(); i++) {
      Cluster c = clusters.get(i);
      boolean ok = true;
      if (c.hasTransportSocket()) {
        TreeSet<String> names = new TreeSet<>();
        names(c.getTransportSocket().getTypedConfig(), names);
        for (String n : names) {
          if (n.startsWith(PREFIX) && (!proxy.secretAccess() || resolve(snapshot, proxy.namespace(), n).isEmpty())) {
            ok = false;
            break;
          }
        }
      }
      if (!ok && out == null) {
        out = new ArrayList<>(clusters.subList(0, i));
      } else if (ok && out != null) {
        out.add(c);
      }
    }
    return out == null ? clusters : out;
  }

  static Optional<Secret> resolve(MeshSnapshot snapshot, String namespace, String sdsName) {
    if (!sdsName.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String name = sdsName.substring(PREFIX.length());
    if (name.endsWith(CA_SUFFIX)) {
      String base = name.substring(0, name.length() - CA_SUFFIX.length());
      // the CA comes from the Secret itself (ca.crt) or from a separate <name>-cacert Secret
      Optional<String> ca = snapshot.secret(namespace, base).map(TlsSecret::ca).filter(s -> !s.isEmpty())
          .or(() -> snapshot.secret(namespace, name).map(s -> s.ca().isEmpty() ? s.certificate() : s.ca())
              .filter(s -> !s.isEmpty()));
      return ca.map(pem -> Secret.newBuilder().setName(sdsName)
          .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(bytes(pem))).build());
    }
    return snapshot.secret(namespace, name).filter(TlsSecret::hasKeyPair)
        .map(s -> Secret.newBuilder().setName(sdsName).setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(bytes(s.certificate()))
            .setPrivateKey(bytes(s.privateKey()))).build());
  }

  private static DataSource bytes(String pem) {
    return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.UTF_8)).build();
  }

  private static void names(Any tls, TreeSet<String> out) {
    try {
      CommonTlsContext common;
      if (tls.is(DownstreamTlsContext.class)) {
        common = tls.unpack(DownstreamTlsContext.class).getCommonTlsContext();
      } else if (tls.is(UpstreamTlsContext.class)) {
        common = tls.unpack(UpstreamTlsContext.class).getCommonTlsContext();
      } else {
        return;
      }
      common.getTlsCertificateSdsSecretConfigsList().stream().map(SdsSecretConfig::getName).forEach(out::add);
      if (common.hasValidationContextSdsSecretConfig()) {
        out.add(common.getValidationContextSdsSecretConfig().getName());
      }
      if (common.hasCombinedValidationContext()) {
        out.add(common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName());
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a TLS context Bosun built cannot be read back", e);
    }
  }
}
