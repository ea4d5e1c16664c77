package io.bosun.analyze;

import java.util.Locale;

/**
 * Every kind of finding, with a code that never changes meaning (scripts and suppressions key on
 * it). {@code istio} names the istioctl message that means the same, or "" where Istio has none.
 * docs/analyze.md lists them all; a test keeps the two in step.
 */
public enum Code {
  VALIDATION_ERROR("BSN0001", Level.ERROR, "IST0106"),
  VALIDATION_WARNING("BSN0002", Level.WARNING, "IST0106"),
  REFERENCED_HOST_NOT_FOUND("BSN0101", Level.ERROR, "IST0101"),
  REFERENCED_SUBSET_NOT_FOUND("BSN0102", Level.ERROR, "IST0101"),
  REFERENCED_GATEWAY_NOT_FOUND("BSN0103", Level.ERROR, "IST0101"),
  GATEWAY_SELECTOR_MATCHES_NO_POD("BSN0104", Level.ERROR, "IST0101"),
  SUBSET_SELECTS_NO_POD("BSN0105", Level.WARNING, "IST0173"),
  CONFLICTING_VIRTUAL_SERVICE_HOSTS("BSN0106", Level.ERROR, "IST0109"),
  POD_MISSING_PROXY("BSN0107", Level.WARNING, "IST0103"),
  CONFLICTING_WIDE_PEER_AUTHENTICATIONS("BSN0108", Level.WARNING, ""),
  PEER_AUTHENTICATIONS_SELECT_SAME_POD("BSN0109", Level.WARNING, ""),
  MTLS_CONFLICT("BSN0110", Level.ERROR, "IST0113"),
  DESTINATION_PORT_REQUIRED("BSN0111", Level.ERROR, "IST0112"),
  HOST_NOT_IN_GATEWAY("BSN0112", Level.WARNING, "IST0132");

  private final String id;
  private final Level level;
  private final String istio;

  Code(String id, Level level, String istio) {
    this.id = id;
    this.level = level;
    this.istio = istio;
  }

  /** The stable code, e.g. {@code BSN0101}. */
  public String id() {
    return id;
  }

  public Level level() {
    return level;
  }

  /** The istioctl code with the same meaning, or "". */
  public String istio() {
    return istio;
  }

  /** The name in CamelCase, e.g. {@code ReferencedHostNotFound}. */
  public String title() {
    StringBuilder sb = new StringBuilder();
    for (String word : name().split("_")) {
      sb.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }
}
