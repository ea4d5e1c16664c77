package io.bosun.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.bosun.model.GatewayServer;
import io.bosun.model.Hosts;
import io.bosun.model.L4Route;
import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.bosun.model.ServerTls;
import io.bosun.model.VirtualService;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A gateway's listeners: one {@code 0.0.0.0_<port>} per server port, with a filter chain per
 * kind of server on it: plain HTTP ({@code http.<port>}), HTTPS terminated here (one chain per
 * server, chosen by SNI, RDS {@code https.<port>.<portName>.<gateway>.<ns>}), TLS passed through
 * by SNI to tls routes, and TCP to tcp routes.
 */
final class GatewayListenerBuilder {
  /** Istio's name prefix for Secrets referenced by credentialName. */
  static final String SECRET_PREFIX = SecretBuilder.PREFIX;
  static final String CA_SUFFIX = SecretBuilder.CA_SUFFIX;

  private GatewayListenerBuilder() {
  }

  static List<Listener> build(MeshSnapshot snapshot, Proxy proxy) {
    Map<Integer, List<Gateways.Bound>> byPort = Gateways.serversByPort(snapshot, proxy, s -> true);
    List<HttpFilter> policies = PolicyFilters.http(snapshot, proxy);
    List<Listener> out = new ArrayList<>();
    // a listener per port and bind address ({@code bind}: one address of the gateway's, else all)
    Map<String, List<Gateways.Bound>> byListener = new TreeMap<>();
    byPort.forEach((port, servers) -> servers.forEach(b -> byListener.computeIfAbsent(
        Names.listener(b.server().bind().isEmpty() ? Names.WILDCARD_ADDRESS : b.server().bind(), port),
        k -> new ArrayList<>()).add(b)));
    byListener.forEach((name, servers) -> {
      int port = servers.get(0).server().port();
      List<Filter> tcpPolicies = tcpPolicies(snapshot, proxy, port); // once per listener, for its TCP chains
      String address = servers.get(0).server().bind().isEmpty() ? Names.WILDCARD_ADDRESS
          : servers.get(0).server().bind();
      List<FilterChain> chains = new ArrayList<>();
      Set<String> claimed = new HashSet<>(); // Envoy rejects two chains with the same match
      boolean tls = false;
      if (servers.stream().anyMatch(b -> b.server().isPlainHttp())) {
        chains.add(FilterChain.newBuilder().setName("http." + port)
            .addFilters(ListenerBuilder.httpConnectionManager("outbound_" + name, Names.gatewayHttpRoute(port), true,
                snapshot.mesh(), policies))
            .build());
        claimed.add("");
      }
      for (Gateways.Bound b : servers) {
        GatewayServer s = b.server();
        if (s.isTerminatedHttps()) {
          List<String> sni = serverNames(b.bareHosts());
          if (!credentialsAvailable(snapshot, proxy, s.tls())) {
            continue; // the listener would wait for a Secret that does not exist; serve the rest
          }
          if (claimed.add("tls:" + sni)) {
            chains.add(FilterChain.newBuilder().setName(b.httpsRouteName())
                .setFilterChainMatch(tlsMatch(sni))
                .setTransportSocket(downstreamTls(s.tls(), true))
                .addFilters(ListenerBuilder.httpConnectionManager("outbound_" + name, b.httpsRouteName(), true,
                    snapshot.mesh(), policies))
                .build());
            tls = true;
          }
        } else if (s.isPassthrough()) {
          tls |= passthroughChains(snapshot, proxy, b, port, claimed, chains, tcpPolicies);
        } else if (s.isTcp()) {
          tls |= tcpChain(snapshot, proxy, b, port, claimed, chains, tcpPolicies);
        }
      }
      if (chains.isEmpty()) {
        return; // e.g. a TCP server no VirtualService routes yet
      }
      Listener.Builder l = Listener.newBuilder()
          .setName(name)
          .setAddress(Protos.address(address, port))
          .setTrafficDirection(TrafficDirection.OUTBOUND)
          .addAllFilterChains(chains);
      if (tls) {
        l.addListenerFilters(Protos.tlsInspector());
      }
      out.add(l.build());
    });
    return out;
  }

  /** One chain per tls-route SNI set admitted by the server; the first VirtualService to claim a name keeps it. */
  private static boolean passthroughChains(MeshSnapshot snapshot, Proxy proxy, Gateways.Bound b, int port,
                                           Set<String> claimed, List<FilterChain> chains, List<Filter> tcpPolicies) {
    boolean added = false;
    String gw = b.gateway().qualifiedName();
    for (VirtualService vs : snapshot.virtualServices()) {
      if (!vs.gateways().contains(gw)) {
        continue;
      }
      for (L4Route r : vs.tls()) {
        for (L4Route.Match m : r.matches()) {
          if (!L4Routes.applies(m, proxy.labels(), proxy.namespace(), gw, port)) {
            continue;
          }
          Set<String> sni = new TreeSet<>();
          for (String h : m.sniHosts()) {
            for (String serverHost : b.bareHosts()) {
              if (Hosts.matches(serverHost, h)) {
                sni.add(h);
              } else if (Hosts.matches(h, serverHost)) {
                sni.add(serverHost);
              }
            }
          }
          List<String> names = serverNames(new ArrayList<>(sni));
          if (sni.isEmpty() || !claimed.add("tls:" + names)) {
            continue;
          }
          chains.add(FilterChain.newBuilder().setName("passthrough:" + String.join(",", sni))
              .setFilterChainMatch(tlsMatch(names))
              .addAllFilters(tcpPolicies)
              .addFilters(L4Routes.tcpProxy("outbound_" + port + "_passthrough", r, snapshot.registry(), port,
                  snapshot.mesh()))
              .build());
          added = true;
        }
      }
    }
    return added;
  }

  /** A credentialName's Secret (and its CA for MUTUAL) must exist in the gateway's namespace. */
  private static boolean credentialsAvailable(MeshSnapshot snapshot, Proxy proxy, ServerTls tls) {
    if (tls.mode().equals("ISTIO_MUTUAL")) {
      return proxy.meshCertificate();
    }
    return tls.credentialName().isEmpty()
        || SecretBuilder.available(snapshot, proxy, tls.credentialName(), tls.mutual());
  }

  /** The first tcp rule bound to the server's gateway that applies; TLS servers terminate first. */
  private static boolean tcpChain(MeshSnapshot snapshot, Proxy proxy, Gateways.Bound b, int port, Set<String> claimed,
                                  List<FilterChain> chains, List<Filter> tcpPolicies) {
    String gw = b.gateway().qualifiedName();
    boolean terminate = b.server().tls() != null && b.server().protocol().equals("TLS");
    List<String> sni = terminate ? serverNames(b.bareHosts()) : List.of();
    String key = terminate ? "tls:" + sni : "";
    for (VirtualService vs : snapshot.virtualServices()) {
      if (!vs.gateways().contains(gw)) {
        continue;
      }
      for (L4Route r : vs.tcp()) {
        if (L4Routes.applies(r, proxy.labels(), proxy.namespace(), gw, port) && claimed.add(key)) {
          FilterChain.Builder chain = FilterChain.newBuilder().setName("tcp." + port)
              .addAllFilters(tcpPolicies)
              .addFilters(L4Routes.tcpProxy("outbound_" + port + "_tcp", r, snapshot.registry(), port,
                  snapshot.mesh()));
          if (terminate && !credentialsAvailable(snapshot, proxy, b.server().tls())) {
            return false;
          }
          if (terminate) {
            chain.setFilterChainMatch(tlsMatch(sni)).setTransportSocket(downstreamTls(b.server().tls(), false));
          }
          chains.add(chain.build());
          return terminate;
        }
      }
    }
    return false;
  }

  /** AuthorizationPolicy on a gateway's TCP and passthrough servers: network RBAC before the proxying. */
  private static List<Filter> tcpPolicies(MeshSnapshot snapshot, Proxy proxy, int port) {
    return Authorization.network(snapshot.security().authorizationFor(proxy.namespace(), proxy.labels()),
        snapshot.mesh(), "outbound_" + port + "_tcp");
  }

  /** SNI names for a chain: none (any name) when a host is {@code *}. */
  private static List<String> serverNames(List<String> hosts) {
    if (hosts.contains("*")) {
      return List.of();
    }
    return new ArrayList<>(new TreeSet<>(hosts));
  }

  private static FilterChainMatch tlsMatch(List<String> serverNames) {
    return FilterChainMatch.newBuilder().setTransportProtocol("tls").addAllServerNames(serverNames).build();
  }

  /**
   * The server side of TLS: certificate files on the gateway, the Secret named by credentialName over SDS, or
   * (ISTIO_MUTUAL) the gateway's own workload certificate.
   */
  static TransportSocket downstreamTls(ServerTls tls, boolean http) {
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
    if (http) {
      common.addAlpnProtocols("h2").addAlpnProtocols("http/1.1");
    }
    DownstreamTlsContext.Builder ctx = DownstreamTlsContext.newBuilder();
    if (tls.mode().equals("ISTIO_MUTUAL")) {
      // the gateway's workload certificate, and a client certificate of the mesh required
      CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
      for (String san : tls.subjectAltNames()) {
        validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
            .setSanType(SubjectAltNameMatcher.SanType.URI).setMatcher(StringMatcher.newBuilder().setExact(san)));
      }
      common.addTlsCertificateSdsSecretConfigs(sds(Names.SDS_WORKLOAD_CERT))
          .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
              .setDefaultValidationContext(validation).setValidationContextSdsSecretConfig(sds(Names.SDS_ROOT_CA)));
      ctx.setRequireClientCertificate(BoolValue.of(true));
    } else if (!tls.credentialName().isEmpty()) {
      common.addTlsCertificateSdsSecretConfigs(sds(SECRET_PREFIX + tls.credentialName()));
    } else {
      common.addTlsCertificates(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setFilename(tls.serverCertificate()))
          .setPrivateKey(DataSource.newBuilder().setFilename(tls.privateKey())));
    }
    TlsParameters.Builder params = TlsParameters.newBuilder();
    if (!tls.minProtocolVersion().isEmpty() && !tls.minProtocolVersion().equals("TLS_AUTO")) {
      params.setTlsMinimumProtocolVersion(protocol(tls.minProtocolVersion()));
    } else {
      params.setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2); // Istio's gateway default
    }
    if (!tls.maxProtocolVersion().isEmpty() && !tls.maxProtocolVersion().equals("TLS_AUTO")) {
      params.setTlsMaximumProtocolVersion(protocol(tls.maxProtocolVersion()));
    }
    params.addAllCipherSuites(tls.cipherSuites());
    common.setTlsParams(params);
    if (tls.mutual()) {
      CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
      for (String san : tls.subjectAltNames()) {
        validation.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
            .setSanType(SubjectAltNameMatcher.SanType.DNS)
            .setMatcher(StringMatcher.newBuilder().setExact(san)));
      }
      if (!tls.credentialName().isEmpty()) {
        common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(validation)
            .setValidationContextSdsSecretConfig(sds(SECRET_PREFIX + tls.credentialName() + CA_SUFFIX)));
      } else {
        validation.setTrustedCa(DataSource.newBuilder().setFilename(tls.caCertificates()));
        common.setValidationContext(validation);
      }
      // OPTIONAL_MUTUAL asks for a certificate without insisting on one
      ctx.setRequireClientCertificate(BoolValue.of(!tls.mode().equals("OPTIONAL_MUTUAL")));
    }
    ctx.setCommonTlsContext(common);
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(ctx.build())).build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(Protos.ads()).build();
  }

  private static TlsParameters.TlsProtocol protocol(String istio) {
    return switch (istio) {
      case "TLSV1_0" -> TlsParameters.TlsProtocol.TLSv1_0;
      case "TLSV1_1" -> TlsParameters.TlsProtocol.TLSv1_1;
      case "TLSV1_2" -> TlsParameters.TlsProtocol.TLSv1_2;
      case "TLSV1_3" -> TlsParameters.TlsProtocol.TLSv1_3;
      default -> TlsParameters.TlsProtocol.TLS_AUTO;
    };
  }
}
