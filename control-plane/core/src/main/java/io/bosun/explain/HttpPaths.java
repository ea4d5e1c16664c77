package io.bosun.explain;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/** The path as an HTTP connection manager routes it: normalized (RFC 3986) and slashes merged when asked. */
final class HttpPaths {
  private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

  private HttpPaths() {
  }

  /** {@code pathWithQuery} after Envoy's {@code normalize_path} and {@code merge_slashes}; the query kept as is. */
  static String normalize(String pathWithQuery, boolean normalize, boolean mergeSlashes) {
    int q = pathWithQuery.indexOf('?');
    String path = q < 0 ? pathWithQuery : pathWithQuery.substring(0, q);
    String query = q < 0 ? "" : pathWithQuery.substring(q);
    if (normalize) {
      path = removeDotSegments(decodeUnreserved(path));
    }
    if (mergeSlashes) {
      path = path.replaceAll("/{2,}", "/");
    }
    return path + query;
  }

  /** {@code %41} becomes {@code A}; other escapes stay, in upper case. */
  private static String decodeUnreserved(String path) {
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length() && isHex(path.charAt(i + 1)) && isHex(path.charAt(i + 2))) {
        char decoded = (char) Integer.parseInt(path.substring(i + 1, i + 3), 16);
        if (UNRESERVED.indexOf(decoded) >= 0) {
          out.append(decoded);
        } else {
          out.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
        }
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }

  private static String removeDotSegments(String path) {
    Deque<String> out = new ArrayDeque<>();
    String[] segments = path.split("/", -1);
    for (int i = 1; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.equals(".")) {
        if (last) {
          out.addLast("");
        }
      } else if (s.equals("..")) {
        if (!out.isEmpty()) {
          out.removeLast();
        }
        if (last) {
          out.addLast("");
        }
      } else {
        out.addLast(s);
      }
    }
    return "/" + String.join("/", out);
  }
}
