package io.bosun.model;

import java.util.Map;

/** One HTTPMatchRequest: all its conditions must hold. Null fields are unset. */
public record HttpMatch(String name, StringMatch uri, Map<String, StringMatch> headers) {
  public HttpMatch {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
  }
}
