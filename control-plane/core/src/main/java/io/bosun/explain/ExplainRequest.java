package io.bosun.explain;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request to explain, as a client would send it through the proxy: where it connects
 * ({@code scheme://host:port}), what it asks for, and its headers (names lower-cased, values as given).
 *
 * @param address the destination IP the client connects to, when known (a literal IP host, or
 *                given by the user); {@code null} when only the name is known
 */
public record ExplainRequest(String scheme, String host, int port, String path, String method,
                             Map<String, List<String>> headers, String address) {

  public ExplainRequest {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach((k, v) -> copy.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
    headers = Collections.unmodifiableMap(copy);
  }

  /**
   * Parses what a user types: {@code url} ({@code http://reviews:9080/path?q}, the scheme and
   * port optional), {@code method} and {@code "Name: value"} header lines.
   *
   * @throws IllegalArgumentException naming what is wrong, for the user
   */
  public static ExplainRequest parse(String url, String method, List<String> headerLines, String address) {
    String text = url.contains("://") ? url : "http://" + url;
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("\"" + url + "\" is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("\"" + url + "\": only http and https URLs can be explained");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("\"" + url + "\" has no host");
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line : headerLines) {
      int colon = line.indexOf(':', 1); // a pseudo-header such as ":authority" starts with a colon
      if (colon <= 0) {
        throw new IllegalArgumentException("header \"" + line + "\" is not \"Name: value\"");
      }
      headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
        : uri.getHost();
    String ip = address != null ? address : isIp(host) ? host : null;
    return new ExplainRequest(scheme, host, port, path, method.toUpperCase(Locale.ROOT), headers, ip);
  }

  private static boolean isIp(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  /** The Host header the client sends: its own {@code Host} header, else the URL's, with a non-default port. */
  public String authority() {
    List<String> own = headers.containsKey("host") ? headers.get("host") : headers.get(":authority");
    if (own != null) {
      return String.join(",", own);
    }
    boolean defaultPort = port == (scheme.equals("https") ? 443 : 80);
    String h = host.contains(":") ? "[" + host + "]" : host;
    return defaultPort ? h : h + ":" + port;
  }

  /** A header's value as Envoy matches it: every value joined with commas; pseudo-headers from the request line. */
  public Optional<String> header(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    switch (n) {
      case ":method":
        return Optional.of(method);
      case ":path":
        return Optional.of(path);
      case ":scheme":
        return Optional.of(scheme);
      case ":authority", "host": // Envoy keeps an HTTP/1 Host header as :authority
        return Optional.of(authority());
      default:
        List<String> values = headers.get(n);
        return values == null ? Optional.empty() : Optional.of(String.join(",", values));
    }
  }

  /** The path without its query string. */
  public String pathOnly() {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  /** The raw query string, without {@code ?}; empty when there is none. */
  public String query() {
    int q = path.indexOf('?');
    return q < 0 ? "" : path.substring(q + 1);
  }

  /** This request with another path (after Envoy normalized it). */
  ExplainRequest withPath(String newPath) {
    return new ExplainRequest(scheme, host, port, newPath, method, headers, address);
  }
}
