package io.bosun.xds.auth;

import java.util.Optional;

/**
 * Turns a caller's credentials into the identity they prove. Called once per gRPC call (an xDS
 * stream or a certificate request), on a gRPC thread; implementations cache what is costly.
 */
@FunctionalInterface
public interface Authenticator {

  /** No credentials ever prove anything: every caller is anonymous. */
  Authenticator ANONYMOUS = credentials -> Optional.empty();

  /**
   * The identity the credentials prove; empty when there are none. Throws when credentials are
   * present but do not prove anything (expired, wrong audience, unknown issuer): a caller that
   * presents a bad credential is refused rather than treated as anonymous.
   */
  Optional<Identity> authenticate(Credentials credentials) throws AuthenticationException;
}
