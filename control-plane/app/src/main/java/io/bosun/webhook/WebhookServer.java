package io.bosun.webhook;

import io.bosun.ca.ReloadingKeyManager;
import io.bosun.http.HttpServer;
import io.bosun.http.HttpServer.Request;
import io.bosun.http.HttpServer.Response;
import io.bosun.inject.AdmissionHandler;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS for the admission webhooks: {@code /inject}, {@code /validate}, {@code /ready}. The
 * certificate can be swapped while serving (rotation), and every request is answered: a handler
 * that fails still returns an AdmissionReview refusal, never a 500. Slow or half-open clients hold
 * no thread and are dropped after 10 s (finding 4); handlers run on 16 threads of their own.
 */
final class WebhookServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
  /** kube-apiserver sends at most about 3 MB; anything larger is not an AdmissionReview from it. */
  static final int MAX_BODY = 8 << 20;

  private final HttpServer server;
  private final ReloadingKeyManager keys = new ReloadingKeyManager();

  WebhookServer(InetSocketAddress address, WebhookCerts.Material material, AdmissionHandler handler)
      throws IOException, GeneralSecurityException {
    use(material);
    try {
      server = new HttpServer(address, SslContextBuilder.forServer(keys).build(),
          new HttpServer.Options("webhook", 16, 256, Duration.ofSeconds(10), Duration.ofSeconds(90), MAX_BODY),
          Map.of("/inject", r -> serve(r, handler::inject), "/validate", r -> serve(r, handler::validate),
              "/ready", r -> Response.text(200, "ok\n")),
          r -> new Response(413, "application/json", AdmissionHandler.tooLarge(MAX_BODY)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding " + address, e);
    }
    LOG.info("admission webhooks on https://{}:{} (/inject, /validate)", address.getHostString(), port());
  }

  int port() {
    return server.port();
  }

  /** Serves {@code m} from the next handshake on. */
  void use(WebhookCerts.Material m) {
    keys.set(m.privateKey(), WebhookCerts.certificates(m.certPem()));
  }

  private static Response serve(Request r, Function<byte[], byte[]> handle) {
    if (!"POST".equals(r.method())) {
      return Response.text(405, "POST an AdmissionReview\n");
    }
    return new Response(200, "application/json", handle.apply(r.body()));
  }

  @Override
  public void close() {
    server.close();
  }
}
