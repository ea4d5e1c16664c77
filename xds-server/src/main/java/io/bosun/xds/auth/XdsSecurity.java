package io.bosun.xds.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * How the xDS server trusts its callers: who they are ({@link Authenticator}), which proxies they
 * may be ({@link NodeAdmission}), and how much each may ask for.
 *
 * @param streamsPerPrincipal open gRPC calls one principal (a pod, a service account, or an
 *                            anonymous address) may hold at once
 * @param groupsPerPrincipal  distinct proxy groups (each a separate translation) one principal may
 *                            create; a real proxy needs one
 * @param idleTimeout         a connection with no call for this long is closed
 */
public record XdsSecurity(Authenticator authenticator, NodeAdmission admission, int streamsPerPrincipal,
                          int groupsPerPrincipal, Duration idleTimeout) {
  public static final int DEFAULT_STREAMS_PER_PRINCIPAL = 64;
  public static final int DEFAULT_GROUPS_PER_PRINCIPAL = 16;
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  public XdsSecurity {
    Objects.requireNonNull(authenticator, "authenticator");
    Objects.requireNonNull(admission, "admission");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (streamsPerPrincipal < 1 || groupsPerPrincipal < 1) {
      throw new IllegalArgumentException("limits must be at least 1");
    }
  }

  /** Everyone anonymous, nodes admitted as they claim, default limits: tests and trusted loopback. */
  public static XdsSecurity open() {
    return new XdsSecurity(Authenticator.ANONYMOUS, NodeAdmission.CLAIMS, DEFAULT_STREAMS_PER_PRINCIPAL,
        DEFAULT_GROUPS_PER_PRINCIPAL, DEFAULT_IDLE_TIMEOUT);
  }

  public XdsSecurity withLimits(int streams, int groups) {
    return new XdsSecurity(authenticator, admission, streams, groups, idleTimeout);
  }
}
