package io.bosun.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.config.ConfigParser;
import io.bosun.inject.AdmissionHandler;
import io.bosun.inject.AdmissionHandlerTest;
import io.bosun.inject.InjectionConfig;
import io.bosun.inject.Injector;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The HTTPS endpoint: every request answered under load, and a renewed certificate served without a restart. */
class WebhookServerTest {
  private static HttpClient client(WebhookCerts.Material m) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", WebhookCerts.certificates(m.caPem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void fiftyConcurrentAdmissionRequestsAreAllAnsweredWithinTheWebhookTimeout() throws Exception {
    WebhookCerts.Material m = WebhookCerts.generate(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
    Injector injector = new Injector(InjectionConfig.defaults(), 33);
    try (WebhookServer server = new WebhookServer(new InetSocketAddress("127.0.0.1", 0), m,
        new AdmissionHandler(() -> injector, ns -> Map.of("istio-injection", "enabled"), new ConfigParser()))) {
      HttpClient http = client(m);
      HttpRequest req = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/inject"))
          .timeout(Duration.ofSeconds(10)) // the API server's default webhook timeout
          .POST(HttpRequest.BodyPublishers.ofString(AdmissionHandlerTest.review("CREATE", "Pod", "shop",
              AdmissionHandlerTest.POD))).build();
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        calls.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        HttpResponse<String> r = c.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"patchType\":\"JSONPatch\"");
      }
      System.out.printf("50 concurrent injections answered in %d ms%n", (System.nanoTime() - start) / 1_000_000);

      HttpResponse<String> junk = http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port()
          + "/validate")).POST(HttpRequest.BodyPublishers.ofString("]]")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(junk.statusCode()).isEqualTo(200);
      assertThat(junk.body()).contains("\"allowed\":false", "malformed AdmissionReview");

      WebhookCerts.Material renewed = WebhookCerts.generate(List.of("localhost"), Duration.ofDays(2));
      server.use(renewed);
      HttpResponse<String> ready = client(renewed).send(HttpRequest.newBuilder(URI.create("https://localhost:"
          + server.port() + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as("the renewed certificate (another CA) is served").isEqualTo(200);
    }
  }

  @Test
  void halfOpenHandshakesDoNotFreezeTheWebhook() throws Exception {
    // finding 4: 16 connections sending 11 bytes of a ClientHello blocked all 16 worker threads, so
    // every /inject and /validate timed out while they stayed open (pod creation fails closed)
    WebhookCerts.Material m = WebhookCerts.generate(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
    Injector injector = new Injector(InjectionConfig.defaults(), 33);
    List<Socket> stuck = new ArrayList<>();
    try (WebhookServer server = new WebhookServer(new InetSocketAddress("127.0.0.1", 0), m,
        new AdmissionHandler(() -> injector, ns -> Map.of("istio-injection", "enabled"), new ConfigParser()))) {
      for (int i = 0; i < 40; i++) {
        Socket s = new Socket("127.0.0.1", server.port());
        s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
        s.getOutputStream().flush();
        stuck.add(s);
      }
      long t0 = System.nanoTime();
      HttpResponse<String> r = client(m).send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port()
              + "/inject")).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(
              AdmissionHandlerTest.review("CREATE", "Pod", "shop", AdmissionHandlerTest.POD))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"patchType\":\"JSONPatch\"");
      assertThat(System.nanoTime() - t0).as("answered while 40 handshakes hang").isLessThan(5_000_000_000L);
      // and the half-open ones are dropped at the handshake deadline (10 s)
      Socket first = stuck.get(0);
      first.setSoTimeout(15_000);
      assertThat(first.getInputStream().read()).as("closed by the server").isEqualTo(-1);
    } finally {
      for (Socket s : stuck) {
        s.close();
      }
    }
  }

  @Test
  void anOversizedBodyGetsAClearRefusal() throws Exception {
    // finding 16: a body over 3 MB got a connection reset, no AdmissionReview
    WebhookCerts.Material m = WebhookCerts.generate(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
    Injector injector = new Injector(InjectionConfig.defaults(), 33);
    try (WebhookServer server = new WebhookServer(new InetSocketAddress("127.0.0.1", 0), m,
        new AdmissionHandler(() -> injector, ns -> Map.of(), new ConfigParser()))) {
      HttpResponse<String> r = client(m).send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port()
              + "/validate")).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[WebhookServer.MAX_BODY + 1]))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(r.body()).contains("\"allowed\":false", "the request body is over 8 MiB");
    }
  }

  @Test
  void renewalIsDueOnceTwoThirdsOfTheValidityHavePassed() {
    WebhookCerts.Material m = WebhookCerts.generate(List.of("localhost"), Duration.ofDays(30));
    assertThat(m.dueForRenewal(Instant.now())).isFalse();
    assertThat(m.dueForRenewal(m.notAfter().minus(Duration.ofDays(9)))).isTrue();
  }
}
