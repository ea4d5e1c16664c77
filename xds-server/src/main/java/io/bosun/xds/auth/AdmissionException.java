package io.bosun.xds.auth;

/** A caller may not be the proxy it claims to be; the message names the claim that failed. */
public final class AdmissionException extends Exception {
  private static final long serialVersionUID = 1L;

  public AdmissionException(String message) {
    super(message, null, false, false);
  }
}
