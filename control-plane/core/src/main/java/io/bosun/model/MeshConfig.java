package io.bosun.model;

import java.time.Duration;
import java.util.List;

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
 * @param enableAutoMtls     meshed destinations get mutual TLS without a DestinationRule saying so (Istio's default)
 * @param extensionProviders external authorizers that AuthorizationPolicy CUSTOM names, by name
 */
public record MeshConfig(boolean registryOnly, RouteActions.Retry defaultRetry, String accessLogFile,
                         boolean accessLogJson, String accessLogFormat, boolean enableTracing, String zipkinAddress,
                         double samplingPercent, Duration connectTimeout, String trustDomain, boolean enableAutoMtls,
                         List<ExtAuthz> extensionProviders) implements MeshResource {
  /** Istio's default trust domain. */
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
  public static final MeshConfig DEFAULT = new MeshConfig(false, null, "", false, "", true, "", 1.0,
      Duration.ofSeconds(10), DEFAULT_TRUST_DOMAIN, true, List.of());

  /**
   * An {@code extensionProviders} entry of kind {@code envoyExtAuthzHttp} ({@code grpc} false) or
   * {@code envoyExtAuthzGrpc}: the authorizer's service ({@code [namespace/]hostname}) and port.
   *
   * @param timeout null for Envoy's default
   */
  public record ExtAuthz(String name, boolean grpc, String service, int port, Duration timeout, boolean failOpen,
                         String pathPrefix, List<String> includeRequestHeadersInCheck,
                         List<String> headersToUpstreamOnAllow, List<String> headersToDownstreamOnDeny) {
    public ExtAuthz {
      pathPrefix = pathPrefix == null ? "" : pathPrefix;
      includeRequestHeadersInCheck = includeRequestHeadersInCheck == null ? List.of()
          : List.copyOf(includeRequestHeadersInCheck);
      headersToUpstreamOnAllow = headersToUpstreamOnAllow == null ? List.of() : List.copyOf(headersToUpstreamOnAllow);
      headersToDownstreamOnDeny = headersToDownstreamOnDeny == null ? List.of()
          : List.copyOf(headersToDownstreamOnDeny);
    }
  }

  public MeshConfig(boolean registryOnly, RouteActions.Retry defaultRetry, String accessLogFile,
                    boolean accessLogJson, String accessLogFormat, boolean enableTracing, String zipkinAddress,
                    double samplingPercent, Duration connectTimeout, String trustDomain) {
    this(registryOnly, defaultRetry, accessLogFile, accessLogJson, accessLogFormat, enableTracing, zipkinAddress,
        samplingPercent, connectTimeout, trustDomain, true, List.of());
  }

  public MeshConfig {
    accessLogFile = accessLogFile == null ? "" : accessLogFile;
    accessLogFormat = accessLogFormat == null ? "" : accessLogFormat;
    zipkinAddress = zipkinAddress == null ? "" : zipkinAddress;
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
    trustDomain = trustDomain == null || trustDomain.isEmpty() ? DEFAULT_TRUST_DOMAIN : trustDomain;
    extensionProviders = extensionProviders == null ? List.of() : List.copyOf(extensionProviders);
  }

  /** The extension provider named {@code name}, or null. */
  public ExtAuthz extensionProvider(String name) {
    return extensionProviders.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
  }

  public boolean tracing() {
    return enableTracing && !zipkinAddress.isEmpty();
  }

  /** This mesh config with another outboundTrafficPolicy (a Sidecar's). */
  public MeshConfig withRegistryOnly(boolean only) {
    return only == registryOnly ? this : new MeshConfig(only, defaultRetry, accessLogFile, accessLogJson,
        accessLogFormat, enableTracing, zipkinAddress, samplingPercent, connectTimeout, trustDomain, enableAutoMtls,
        extensionProviders);
  }
}
