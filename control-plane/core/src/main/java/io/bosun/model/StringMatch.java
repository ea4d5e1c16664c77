package io.bosun.model;

/** Istio's StringMatch oneof. */
public record StringMatch(Type type, String value) {
  public enum Type { EXACT, PREFIX, REGEX }

  public static StringMatch exact(String v) {
    return new StringMatch(Type.EXACT, v);
  }

  public static StringMatch prefix(String v) {
    return new StringMatch(Type.PREFIX, v);
  }

  public static StringMatch regex(String v) {
    return new StringMatch(Type.REGEX, v);
  }
}
