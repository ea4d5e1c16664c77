package io.bosun.e2e;

import io.bosun.ca.Pem;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The gateway as the bosun-gateway chart runs it, on the host: Envoy's Google gRPC client to
 * Bosun's 15012 (TLS verified with the mesh roots; the name checked is Bosun's Service name) with
 * the pod's service-account token read from a file, plus a TLS listener of its own that presents
 * the workload certificate it gets over SDS ({@code default}), so a test can see which one it holds.
 */
final class TokenEnvoy implements AutoCloseable {
  private final EnvoyProcess process;
  private final int identityPort;
  private final Path dir;

  private TokenEnvoy(EnvoyProcess process, int identityPort, Path dir) {
    this.process = process;
    this.identityPort = identityPort;
    this.dir = dir;
  }

  static TokenEnvoy start(int xdsTlsPort, String rootsPem, String token) throws IOException {
    Path dir = Files.createTempDirectory("token-envoy-");
    Path roots = dir.resolve("root-cert.pem");
    Path tokenFile = dir.resolve("istio-token");
    Files.writeString(roots, rootsPem);
    Files.writeString(tokenFile, token);
    int admin = Ports.freePort();
    int identityPort = Ports.freePort();
    String yaml = """
        node:
          id: router~127.0.0.1~ingress-1.istio-system~istio-system.svc.cluster.local
          cluster: istio-ingressgateway
          metadata:
            NAMESPACE: istio-system
            SERVICE_ACCOUNT: ingress
            LABELS: {istio: ingressgateway}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            set_node_on_first_message_only: true
            grpc_services:
            - google_grpc:
                target_uri: 127.0.0.1:%1$d
                stat_prefix: xds_grpc
                credentials_factory_name: envoy.grpc_credentials.file_based_metadata
                channel_credentials: {ssl_credentials: {root_certs: {filename: %2$s}}}
                call_credentials:
                - from_plugin:
                    name: envoy.grpc_credentials.file_based_metadata
                    typed_config:
                      "@type": type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig
                      secret_data: {filename: %3$s}
                      header_prefix: "Bearer "
                channel_args: {args: {grpc.ssl_target_name_override: {string_value: bosun.istio-system.svc}}}
          cds_config: {ads: {}, resource_api_version: V3}
          lds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          listeners:
          - name: workload-identity
            address: {socket_address: {address: 127.0.0.1, port_value: %4$d}}
            filter_chains:
            - transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  common_tls_context:
                    tls_certificate_sds_secret_configs:
                    - {name: default, sds_config: {ads: {}, resource_api_version: V3}}
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: identity
                  http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
                  route_config:
                    virtual_hosts:
                    - name: identity
                      domains: ["*"]
                      routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: identity}}}]
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %5$d}}}
        """.formatted(xdsTlsPort, roots, tokenFile, identityPort, admin);
    return new TokenEnvoy(EnvoyProcess.start(EnvoyBinary.require(), yaml, admin, List.of()), identityPort, dir);
  }

  /** Replaces the token file, as the kubelet does when it rotates the projected token. */
  void writeToken(String token) throws IOException {
    Path tmp = dir.resolve("istio-token.new");
    Files.writeString(tmp, token);
    Files.move(tmp, dir.resolve("istio-token"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  EnvoyProcess process() {
    return process;
  }

  /**
   * One HTTPS request on a new connection to the identity listener, trusting {@code rootsPem} (the
   * certificate names a SPIFFE id, not a host, so no host name is checked); returns the
   * certificate Envoy presented. Throws IOException when the request fails.
   */
  X509Certificate get(String rootsPem) throws IOException {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (X509Certificate root : Pem.certificates(rootsPem)) {
        trust.setCertificateEntry("root-" + i++, root);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", identityPort)) {
        s.setSoTimeout(5000);
        s.startHandshake();
        X509Certificate served = (X509Certificate) s.getSession().getPeerCertificates()[0];
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: identity\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String response = readResponse(s.getInputStream());
        if (!response.startsWith("HTTP/1.1 200") || !response.endsWith("identity")) {
          throw new IOException("unexpected response: " + response.lines().findFirst().orElse(""));
        }
        return served;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  /** Headers and a Content-Length body, without waiting for the server to close (Envoy delays that). */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the response headers ended: " + head);
      }
      head.append((char) b);
    }
    int length = head.toString().lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElse(0);
    return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    process.close();
  }
}
