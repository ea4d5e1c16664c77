package io.bosun.testing;

import io.bosun.certs.Certificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** Real TLS and TCP peers on loopback for gateway tests: clients that choose their SNI, and small servers. */
public final class TlsPeers {
  private TlsPeers() {
  }

  /** What a client saw: the response's status line and body, and the certificate the server presented. */
  public record Exchange(String statusLine, String headers, String body, X509Certificate serverCertificate) {
    public String serverName() {
      return serverCertificate.getSubjectX500Principal().getName();
    }
  }

  /** A TLS context that trusts {@code ca} and, when {@code client} is given, presents it. */
  public static SSLContext context(Certificates ca, Certificates.Issued client) {
    // a fresh context per call: no TLS session is ever resumed, so each handshake shows the server's choice
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.authority().certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(client == null ? null : keyManagers(client, ca), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyManager[] keyManagers(Certificates.Issued id, Certificates ca)
      throws GeneralSecurityException, IOException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("id", id.keyPair().getPrivate(), new char[0],
        new Certificate[] {id.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    return kmf.getKeyManagers();
  }

  /** An HTTP/1.1 GET over TLS to 127.0.0.1:{@code port} with the given SNI and Host. */
  public static Exchange get(SSLContext ctx, int port, String sni, String host, String path) throws IOException {
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      p.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = response.indexOf("\r\n\r\n");
      String head = end < 0 ? response : response.substring(0, end);
      return new Exchange(head.lines().findFirst().orElse(""), head, end < 0 ? "" : response.substring(end + 4), peer);
    }
  }

  /** A loopback server; {@link #close()} stops it. */
  public static final class Server implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;

    private Server(ServerSocket socket, Handler handler) {
      this.socket = socket;
      this.thread = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket c = socket.accept();
            Thread t = new Thread(() -> {
              try (c) {
                c.setSoTimeout(10_000);
                if (c instanceof SSLSocket ssl) {
                  CURRENT.set(ssl);
                }
                handler.handle(c.getInputStream(), c.getOutputStream());
              } catch (IOException e) {
                // a client that goes away mid-exchange is not the server's problem
              }
            });
            t.setDaemon(true);
            t.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "test-server-" + socket.getLocalPort());
      thread.setDaemon(true);
      thread.start();
    }

    public int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The connection the current handler thread serves, for handlers that need its TLS session. */
  static final ThreadLocal<SSLSocket> CURRENT = new ThreadLocal<>();

  private static TrustManager[] trustManagers(Certificates ca) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.authority().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  /** Reads what the peer sends and writes an answer. */
  public interface Handler {
    void handle(InputStream in, OutputStream out) throws IOException;
  }

  /** A TLS server presenting {@code id} that answers any HTTP request with 200 and {@code body}. */
  public static Server httpsServer(Certificates ca, Certificates.Issued id, String body) {
    return httpsServer(ca, id, body, false);
  }

  /**
   * Like {@link #httpsServer(Certificates, Certificates.Issued, String)}; with {@code requireClientCert}
   * only clients with a certificate from {@code ca} get through. The body is followed by the SNI the
   * client sent and the subject of its certificate, one per line.
   */
  public static Server httpsServer(Certificates ca, Certificates.Issued id, String body, boolean requireClientCert) {
    return httpsServer(ca, id, body, requireClientCert, "127.0.0.1");
  }

  /** The same, listening on {@code host} (e.g. the host end of a pod's link). */
  public static Server httpsServer(Certificates ca, Certificates.Issued id, String body, boolean requireClientCert,
                                   String host) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(keyManagers(id, ca), requireClientCert ? trustManagers(ca) : null, null);
      SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory()
          .createServerSocket(0, 50, InetAddress.getByName(host));
      s.setNeedClientAuth(requireClientCert);
      return new Server(s, (in, out) -> {
        readHead(in);
        String sni = "";
        String client = "";
        SSLSocket socket = CURRENT.get();
        if (socket != null && socket.getSession() instanceof ExtendedSSLSession es) {
          sni = es.getRequestedServerNames().stream().filter(n -> n instanceof SNIHostName)
              .map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse("");
          try {
            client = ((X509Certificate) es.getPeerCertificates()[0]).getSubjectX500Principal().getName();
          } catch (SSLPeerUnverifiedException e) {
            client = "";
          }
        }
        byte[] b = (body + "\nsni: " + sni + "\nclient: " + client + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + b.length + "\r\nconnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
      });
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A plain TCP server that answers each line with {@code prefix + line}. */
  public static Server tcpEcho(String prefix) {
    try {
      return new Server(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), (in, out) -> {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
          if (c == '\n') {
            out.write((prefix + line.toString(StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            line.reset();
          } else {
            line.write(c);
          }
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends one line over plain TCP and returns the answer line. */
  public static String tcpLine(int port, String line) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      int c;
      while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
        answer.write(c);
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    int c;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4 && (c = in.read()) >= 0) {
      matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
    }
  }
}
