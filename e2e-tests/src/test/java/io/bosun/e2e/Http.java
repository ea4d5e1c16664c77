package io.bosun.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Real HTTP requests through a gateway Envoy on loopback. */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {
  }

  public record Reply(int status, String body) {
  }

  public static Reply get(int port, String path, Map<String, String> headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(5));
      headers.forEach(b::header);
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body());
    } catch (Exception e) {
      return new Reply(-1, e.toString());
    }
  }

  public static String body(int port, String path) {
    return get(port, path, Map.of()).body();
  }

  /** How many of {@code n} requests each distinct body got. */
  public static Map<String, Integer> split(int port, String path, int n) {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(body(port, path).trim(), 1, Integer::sum);
    }
    return counts;
  }
}
