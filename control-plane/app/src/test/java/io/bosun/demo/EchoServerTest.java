package io.bosun.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EchoServerTest {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private EchoServer server;

  @BeforeEach
  void start() {
    server = new EchoServer("reviews", "v2", 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersWithItsNameAndVersionOnAnyPath() throws Exception {
    HttpResponse<String> r = get("/some/path");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("reviews v2\n");
    assertThat(r.headers().firstValue("x-backend")).hasValue("reviews-v2");
    assertThat(server.port()).isPositive();
  }

  @Test
  void countsRequests() throws Exception {
    assertThat(server.requests()).isZero();
    get("/");
    get("/?status=503");
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void echoesRequestHeadersInLowerCaseWhenAsked() throws Exception {
    HttpResponse<String> r = get("/?headers=1", "X-Request-Id", "abc-123", "End-User", "jason");
    assertThat(r.body()).startsWith("reviews v2\n")
        .contains("\nx-request-id: abc-123\n")
        .contains("\nend-user: jason\n");
    // Sorted, so output is stable between runs.
    assertThat(r.body().indexOf("end-user:")).isLessThan(r.body().indexOf("x-request-id:"));
  }

  @Test
  void answersWithTheRequestedStatus() throws Exception {
    HttpResponse<String> r = get("/?status=503");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("reviews v2\n");
    assertThat(get("/?status=abc").statusCode()).isEqualTo(400);
    assertThat(get("/?status=42").statusCode()).isEqualTo(400);
  }

  @Test
  void delaysWhenAsked() throws Exception {
    long started = System.nanoTime();
    assertThat(get("/?delay=200ms").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
  }

  @Test
  void parsesDelays() {
    assertThat(EchoServer.parseMillis("250ms")).isEqualTo(250);
    assertThat(EchoServer.parseMillis("1.5s")).isEqualTo(1500);
    assertThat(EchoServer.parseMillis("40")).isEqualTo(40);
    assertThatThrownBy(() -> EchoServer.parseMillis("-1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closeStopsServing() {
    int port = server.port();
    server.close();
    assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void callsItsUpstreamsInTurnPassingOnTheUserAndShowsWhatTheyAnswered() throws Exception {
    try (EchoServer ratings = new EchoServer("ratings", "v1", 0);
        EchoServer reviews = new EchoServer("reviews", "v3", "127.0.0.1", 0,
            List.of(URI.create("http://127.0.0.1:" + ratings.port() + "/?headers=1")));
        EchoServer down = new EchoServer("details", "v1", 0);
        EchoServer page = new EchoServer("productpage", "v1", "127.0.0.1", 0, List.of(
            URI.create("http://127.0.0.1:" + reviews.port() + "/"),
            URI.create("http://127.0.0.1:" + down.port() + "/"),
            URI.create("http://127.0.0.1:" + down.port() + "/?status=503")))) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + page.port() + "/"))
          .header("end-user", "jason").header("x-not-passed", "1").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("productpage v1\n-> reviews v3\n  -> ratings v1\n")
          .contains("  end-user: jason\n").doesNotContain("x-not-passed")
          .contains("-> details v1\n")
          .endsWith("-> http://127.0.0.1:" + down.port() + "/?status=503 unavailable: 503\n");
      assertThat(ratings.requests()).isEqualTo(1);
    }
  }

  @Test
  void namesItsPodWhenGivenOne() throws Exception {
    server.pod("reviews-v2-5d8f-abcde");
    HttpResponse<String> r = get("/");
    assertThat(r.body()).isEqualTo("reviews v2\npod: reviews-v2-5d8f-abcde\n");
    assertThat(r.headers().firstValue("x-pod")).hasValue("reviews-v2-5d8f-abcde");
  }
}
