package io.bosun.model;

import java.time.Duration;

/**
 * The mesh-wide settings of Istio's MeshConfig that Bosun honours (the {@code mesh} key of the
 * {@code istio} ConfigMap). {@link #DEFAULT} is what an unconfigured mesh gets: Istio's defaults.
 *
 * @param registryOnly       outboundTrafficPolicy REGISTRY_ONLY: unknown destinations are blocked
 * @param defaultRetry       retries for routes that set none; null means Istio's built-in default
 * @param accessLogFile      empty (off), {@code /dev/stdout}, {@code /dev/stderr} or a file path
 * @param accessLogJson      accessLogEncoding JSON rather than TEXT
 * @param accessLogFormat    a custom format string, empty for Istio's default format
 * @param zipkinAddress      {@code host:port} of a Zipkin collector (Jaeger's Zipkin endpoint works); empty = no
 * tracing
 * @param samplingPercent    share of requests traced, 0-100
 * @param connectTimeout     upstream connect timeout for clusters that set none
 * @param trustDomain        the SPIFFE trust domain of workload identities ({@code spiffe://<trustDomain>/ns/..})
 */
public record MeshConfig(boolean registryOnly, RouteActions.Retry defaultRetry, String accessLogFile,
                         boolean accessLogJson, String accessLogFormat, boolean enableTracing, String zipkinAddress,
                         double samplingPercent, Duration connectTimeout, String trustDomain) implements MeshResource {
  /** Istio's default trust domain. */
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
  public static final MeshConfig DEFAULT = new MeshConfig(false, null, "", false, "", true, "", 1.0,
      Duration.ofSeconds(10), DEFAULT_TRUST_DOMAIN);

  public MeshConfig {
    accessLogFile = accessLogFile == null ? "" : accessLogFile;
    accessLogFormat = accessLogFormat == null ? "" : accessLogFormat;
    zipkinAddress = zipkinAddress == null ? "" : zipkinAddress;
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
    trustDomain = trustDomain == null || trustDomain.isEmpty() ? DEFAULT_TRUST_DOMAIN : trustDomain;
  }

  public boolean tracing() {
    return enableTracing && !zipkinAddress.isEmpty();
  }

  /** This mesh config with another outboundTrafficPolicy (a Sidecar's). */
  public MeshConfig withRegistryOnly(boolean only) {
    return only == registryOnly ? this : new MeshConfig(only, defaultRetry, accessLogFile, accessLogJson,
        accessLogFormat, enableTracing, zipkinAddress, samplingPercent, connectTimeout, trustDomain);
  }
}
