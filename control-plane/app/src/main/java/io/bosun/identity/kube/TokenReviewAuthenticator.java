package io.bosun.identity.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.identity.SpiffeNames;
import io.bosun.xds.auth.AuthenticationException;
import io.bosun.xds.auth.Authenticator;
import io.bosun.xds.auth.Credentials;
import io.bosun.xds.auth.Identity;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Kubernetes mode's {@link Authenticator}. A bearer token is a projected service-account token,
 * checked by the API server (TokenReview, with Bosun's audiences): it proves
 * {@code system:serviceaccount:<ns>:<sa>} and, for a pod-bound token, the pod. A client
 * certificate (already verified against the mesh roots by the TLS handshake) proves the SPIFFE
 * identity it names. Reviews are cached by the token's hash until the token expires, at most five
 * minutes; refusals for 30 s, so a client repeating a bad token costs one review.
 */
public final class TokenReviewAuthenticator implements Authenticator {
  static final String POD_NAME = "authentication.kubernetes.io/pod-name";
  private static final Duration CACHE = Duration.ofMinutes(5);
  private static final Duration NEGATIVE_CACHE = Duration.ofSeconds(30);
  private static final int MAX_CACHED = 50_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reviews a token; the API server's answer. */
  @FunctionalInterface
  public interface Reviewer {
    TokenReviewStatus review(String token, List<String> audiences);
  }

  private record Cached(Identity identity, String refusal, Instant until) {
  }

  private final Reviewer reviewer;
  private final List<String> audiences;
  private final Supplier<String> trustDomain;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public TokenReviewAuthenticator(KubernetesClient client, List<String> audiences, Supplier<String> trustDomain) {
    this((token, aud) -> client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
        .withNewSpec().withToken(token).withAudiences(aud).endSpec().build()).getStatus(), audiences, trustDomain,
        Clock.systemUTC());
  }

  public TokenReviewAuthenticator(Reviewer reviewer, List<String> audiences, Supplier<String> trustDomain,
                                  Clock clock) {
    this.reviewer = reviewer;
    this.audiences = List.copyOf(audiences);
    this.trustDomain = trustDomain;
    this.clock = clock;
    if (this.audiences.isEmpty()) {
      throw new IllegalArgumentException("at least one token audience is needed");
    }
  }

  @Override
  public Optional<Identity> authenticate(Credentials credentials) throws AuthenticationException {
    if (!credentials.peerCertificates().isEmpty()) {
      return Optional.of(fromCertificate(credentials));
    }
    if (credentials.bearerToken().isEmpty()) {
      return Optional.empty();
    }
    String key = sha256(credentials.bearerToken());
    Instant now = clock.instant();
    Cached c = cache.get(key);
    if (c == null || !now.isBefore(c.until())) {
      c = review(credentials.bearerToken(), now);
      if (cache.size() >= MAX_CACHED) {
        cache.values().removeIf(e -> !now.isBefore(e.until()));
      }
      cache.put(key, c);
    }
    if (c.identity() == null) {
      throw new AuthenticationException(c.refusal());
    }
    return Optional.of(c.identity());
  }

  private Identity fromCertificate(Credentials credentials) throws AuthenticationException {
    List<String> uris = SpiffeNames.uris(credentials.peerCertificates().get(0));
    for (String uri : uris) {
      Optional<Identity> id = Identity.fromSpiffe(uri);
      if (id.isPresent()) {
        if (!id.get().trustDomain().equals(trustDomain.get())) {
          throw new AuthenticationException("the client certificate is for trust domain " + id.get().trustDomain()
              + ", not " + trustDomain.get());
        }
        return id.get();
      }
    }
    throw new AuthenticationException("the client certificate names no workload identity (spiffe://...)");
  }

  private Cached review(String token, Instant now) {
    TokenReviewStatus status = reviewer.review(token, audiences);
    Instant refusedUntil = now.plus(NEGATIVE_CACHE);
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      String why = status == null || status.getError() == null || status.getError().isEmpty()
          ? "the API server did not authenticate the token" : "token refused: " + status.getError();
      return new Cached(null, why, refusedUntil);
    }
    if (status.getAudiences() != null && !status.getAudiences().isEmpty()
        && status.getAudiences().stream().noneMatch(audiences::contains)) {
      return new Cached(null, "token is for audiences " + status.getAudiences() + ", not " + audiences, refusedUntil);
    }
    String user = status.getUser() == null ? "" : status.getUser().getUsername();
    String[] parts = user.split(":", -1);
    if (parts.length != 4 || !parts[0].equals("system") || !parts[1].equals("serviceaccount")) {
      return new Cached(null, "token is not a service account's (user " + user + ")", refusedUntil);
    }
    Map<String, List<String>> extra = status.getUser().getExtra() == null ? Map.of() : status.getUser().getExtra();
    List<String> pods = extra.getOrDefault(POD_NAME, List.of());
    Identity id = new Identity(trustDomain.get(), parts[2], parts[3], pods.isEmpty() ? "" : pods.get(0));
    Instant until = now.plus(CACHE);
    Instant expiry = expiry(token);
    if (expiry != null && expiry.isBefore(until)) {
      until = expiry;
    }
    return new Cached(id, null, until);
  }

  /** The {@code exp} claim, read without verifying (the API server verified it): it bounds the cache. */
  static Instant expiry(String token) {
    String[] parts = token.split("\\.");
    if (parts.length < 2) {
      return null;
    }
    try {
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      return claims.has("exp") ? Instant.ofEpochSecond(claims.get("exp").asLong()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Unused tokens never pile up: the cache drops expired reviews when it grows. */
  int cached() {
    return cache.size();
  }
}
