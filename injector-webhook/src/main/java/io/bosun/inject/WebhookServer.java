package io.bosun.inject;

import io.bosun.ca.ReloadingKeyManager;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS for the admission webhooks: {@code /inject}, {@code /validate}, {@code /ready}. The
 * certificate can be swapped while serving (rotation), and every request is answered: a
 * handler that fails still returns an AdmissionReview refusal, never a 500.
 */
final class WebhookServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
  private static final int MAX_BODY = 3 << 20;

  private final HttpsServer server;
  private final ExecutorService executor;
  private final ReloadingKeyManager keys = new ReloadingKeyManager();

  WebhookServer(InetSocketAddress address, WebhookCerts.Material material, AdmissionHandler handler)
      throws IOException, GeneralSecurityException {
    use(material);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new javax.net.ssl.KeyManager[] {keys}, null, null);
    server = HttpsServer.create(address, 128);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx));
    executor = Executors.newFixedThreadPool(16, r -> {
      Thread t = new Thread(r, "webhook");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/inject", ex -> serve(ex, handler::inject));
    server.createContext("/validate", ex -> serve(ex, handler::validate));
    server.createContext("/ready", ex -> reply(ex, 200, "ok\n".getBytes(StandardCharsets.UTF_8), "text/plain"));
    server.start();
    LOG.info("admission webhooks on https://{}:{} (/inject, /validate)", address.getHostString(), port());
  }

  int port() {
    return server.getAddress().getPort();
  }


  /** Serves {@code m} from the next handshake on. */
  void use(WebhookCerts.Material m) {
    keys.set(m.privateKey(), WebhookCerts.certificates(m.certPem()));
  }

  private static void serve(HttpExchange ex, Function<byte[], byte[]> handle) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        reply(ex, 405, "POST an AdmissionReview\n".getBytes(StandardCharsets.UTF_8), "text/plain");
        return;
      }
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readNBytes(MAX_BODY + 1);
      }
      byte[] out;
      try {
        out = body.length > MAX_BODY ? handle.apply(new byte[0]) : handle.apply(body);
      } catch (RuntimeException e) {
        LOG.error("admission handler failed on {}", ex.getRequestURI(), e);
        out = handle.apply(new byte[0]); // answers "malformed" rather than a 500
      }
      reply(ex, 200, out, "application/json");
    }
  }

  private static void reply(HttpExchange ex, int status, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("content-type", type);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
