package io.bosun.xds.auth;

/** Credentials were presented but prove nothing; the message says why, without the credential. */
public final class AuthenticationException extends Exception {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message, null, false, false);
  }
}
