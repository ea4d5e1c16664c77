package io.bosun.envoy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/** Client for an Envoy admin endpoint (stats, config dump, readiness). */
public final class EnvoyAdmin {

  /** Status and body of one admin call. */
  public record Response(int status, String body) {
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String host;
  private final int port;
  private final HttpClient http;

  public EnvoyAdmin(String host, int port) {
    this.host = host;
    this.port = port;
    // Admin speaks HTTP/1.1; skipping the h2c upgrade attempt keeps calls simple and fast.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  public int port() {
    return port;
  }

  /** Calls {@code path} (e.g. {@code /server_info}); any HTTP status is returned, I/O errors throw. */
  public Response call(String method, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(TIMEOUT)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("Envoy admin " + method + " " + path + " on port " + port + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during Envoy admin call " + path, e);
    }
  }

  /** Body of a GET that must answer 200. */
  public String get(String path) {
    return expectOk("GET", path);
  }

  /** Body of a POST that must answer 200 (Envoy requires POST for mutating endpoints). */
  public String post(String path) {
    return expectOk("POST", path);
  }

  /** True when {@code /ready} answers 200 {@code LIVE}. */
  public boolean ready() {
    Response r = call("GET", "/ready");
    return r.status() == 200 && r.body().trim().equals("LIVE");
  }

  public String configDump() {
    return get("/config_dump");
  }

  /** Counter or gauge value by exact name. */
  public OptionalLong findStat(String name) {
    Long value = statsMatching("^" + quote(name) + "$").get(name);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** @throws NoSuchElementException when Envoy has no counter or gauge of that name */
  public long stat(String name) {
    return findStat(name).orElseThrow(() -> new NoSuchElementException("Envoy has no stat named " + name));
  }

  /**
   * Counters and gauges whose name matches {@code regex} (Envoy's RE2 filter, partial match
   * unless anchored). Histograms and text readouts are left out.
   */
  public SortedMap<String, Long> statsMatching(String regex) {
    String body = get("/stats?filter=" + URLEncoder.encode(regex, StandardCharsets.UTF_8));
    return parseTextStats(body);
  }

  static SortedMap<String, Long> parseTextStats(String body) {
    SortedMap<String, Long> out = new TreeMap<>();
    for (String line : body.split("\n")) {
      int sep = line.lastIndexOf(": ");
      if (sep <= 0) {
        continue;
      }
      String value = line.substring(sep + 2).trim();
      if (!value.isEmpty() && (Character.isDigit(value.charAt(0)) || value.charAt(0) == '-')) {
        try {
          out.put(line.substring(0, sep), Long.parseLong(value));
        } catch (NumberFormatException ignored) {
          // a histogram summary or text readout, not a counter/gauge
        }
      }
    }
    return out;
  }

  /**
   * Escapes every punctuation character with a backslash: that reads as a literal in RE2 and in
   * ECMAScript regexes alike, unlike the quoting of Java's Pattern.quote.
   */
  static String quote(String literal) {
    StringBuilder sb = new StringBuilder(literal.length() + 8);
    for (char c : literal.toCharArray()) {
      if (!Character.isLetterOrDigit(c) && c != '_' && c < 128) {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private String expectOk(String method, String path) {
    Response r = call(method, path);
    if (r.status() != 200) {
      throw new IllegalStateException("Envoy admin " + method + " " + path + " answered " + r.status()
          + ": " + abbreviate(r.body()));
    }
    return r.body();
  }

  private static String abbreviate(String s) {
    return s.length() <= 500 ? s : s.substring(0, 500) + "...";
  }

  @Override
  public String toString() {
    return "EnvoyAdmin[" + host + ":" + port + "]";
  }
}
