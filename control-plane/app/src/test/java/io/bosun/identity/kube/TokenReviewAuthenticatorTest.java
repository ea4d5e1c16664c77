package io.bosun.identity.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bosun.ca.CertificateAuthority;
import io.bosun.xds.auth.AuthenticationException;
import io.bosun.xds.auth.Credentials;
import io.bosun.xds.auth.Identity;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What the API server's TokenReview answer (or a client certificate) proves, and how long it is trusted. */
class TokenReviewAuthenticatorTest {
  static TokenReviewStatus ok(String user, String pod) {
    var b = new TokenReviewStatusBuilder().withAuthenticated(true).withAudiences("istio-ca")
        .withNewUser().withUsername(user);
    if (pod != null) {
      b = b.addToExtra(TokenReviewAuthenticator.POD_NAME, List.of(pod));
    }
    return b.endUser().build();
  }

  static String jwt(Instant exp) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    return e.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + "."
        + e.encodeToString(("{\"exp\":" + exp.getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8)) + ".sig";
  }

  @Test
  void aServiceAccountTokenProvesItsAccountAndPod() throws Exception {
    var auth = new TokenReviewAuthenticator((t, a) -> ok("system:serviceaccount:shop:web", "web-1"),
        List.of("istio-ca"), () -> "cluster.local", Clock.systemUTC());
    assertThat(auth.authenticate(new Credentials("tok", List.of())))
        .contains(new Identity("cluster.local", "shop", "web", "web-1"));
    assertThat(auth.authenticate(new Credentials("", List.of()))).isEmpty();
  }

  @Test
  void refusalsSayWhyWithoutTheToken() {
    var auth = new TokenReviewAuthenticator((t, a) -> new TokenReviewStatusBuilder().withAuthenticated(false)
        .withError("token has expired").build(), List.of("istio-ca"), () -> "cluster.local", Clock.systemUTC());
    assertThatThrownBy(() -> auth.authenticate(new Credentials("secret-token-value", List.of())))
        .isInstanceOf(AuthenticationException.class).hasMessageContaining("token has expired")
        .hasMessageNotContaining("secret-token-value");
    var user = new TokenReviewAuthenticator((t, a) -> ok("alice", null), List.of("istio-ca"),
        () -> "cluster.local", Clock.systemUTC());
    assertThatThrownBy(() -> user.authenticate(new Credentials("t", List.of())))
        .hasMessageContaining("not a service account's");
    var audience = new TokenReviewAuthenticator((t, a) -> new TokenReviewStatusBuilder(ok(
        "system:serviceaccount:shop:web", null)).withAudiences("elsewhere").build(), List.of("istio-ca"),
        () -> "cluster.local", Clock.systemUTC());
    assertThatThrownBy(() -> audience.authenticate(new Credentials("t", List.of())))
        .hasMessageContaining("audiences [elsewhere]");
  }

  @Test
  void reviewsAreCachedUntilTheTokenExpiresAndRefusalsForAWhile() throws Exception {
    AtomicInteger reviews = new AtomicInteger();
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    Clock clock = Clock.fixed(now, ZoneOffset.UTC);
    var auth = new TokenReviewAuthenticator((t, a) -> {
      reviews.incrementAndGet();
      return t.equals("bad") ? new TokenReviewStatusBuilder().withAuthenticated(false).build()
          : ok("system:serviceaccount:shop:web", null);
    }, List.of("istio-ca"), () -> "cluster.local", clock);
    String token = jwt(now.plusSeconds(60));
    auth.authenticate(new Credentials(token, List.of()));
    auth.authenticate(new Credentials(token, List.of()));
    assertThat(reviews).hasValue(1);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> auth.authenticate(new Credentials("bad", List.of())));
    }
    assertThat(reviews).hasValue(2);
    // past the token's expiry the cached answer is not used
    var later = new TokenReviewAuthenticator((t, a) -> {
      reviews.incrementAndGet();
      return ok("system:serviceaccount:shop:web", null);
    }, List.of("istio-ca"), () -> "cluster.local", Clock.fixed(now.plusSeconds(61), ZoneOffset.UTC));
    assertThat(TokenReviewAuthenticator.expiry(token)).isEqualTo(now.plusSeconds(60));
    later.authenticate(new Credentials(token, List.of()));
    assertThat(reviews).hasValue(3);
  }

  @Test
  void aClientCertificateProvesItsSpiffeIdInTheMeshsTrustDomain() throws Exception {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1));
    var cert = ca.issueWorkload(new Identity("cluster.local", "vm", "db", ""), Duration.ofHours(1)).certificate();
    var auth = new TokenReviewAuthenticator((t, a) -> {
      throw new AssertionError("no review for a certificate");
    }, List.of("istio-ca"), () -> "cluster.local", Clock.systemUTC());
    assertThat(auth.authenticate(new Credentials("", List.of(cert))))
        .contains(new Identity("cluster.local", "vm", "db", ""));
    var otherDomain = new TokenReviewAuthenticator((t, a) -> null, List.of("istio-ca"), () -> "example.org",
        Clock.systemUTC());
    assertThatThrownBy(() -> otherDomain.authenticate(new Credentials("", List.of(cert))))
        .hasMessageContaining("trust domain cluster.local, not example.org");
  }

  @Test
  void secretAccessIsAskedOnceAndRecheckedReportingChanges() {
    AtomicInteger asked = new AtomicInteger();
    boolean[] allow = {true};
    KubeSecretAccess access = new KubeSecretAccess(id -> {
      asked.incrementAndGet();
      return allow[0];
    }, Clock.systemUTC());
    String web = "spiffe://cluster.local/ns/shop/sa/web";
    assertThat(access.allowed(web)).isTrue();
    assertThat(access.allowed(web)).isTrue();
    assertThat(asked).hasValue(1);
    assertThat(access.allowed("")).isFalse();
    allow[0] = false;
    assertThat(access.recheck(Set.of(web))).containsExactly(web);
    assertThat(access.allowed(web)).isFalse();
    assertThat(access.recheck(Set.of())).isEmpty();
  }
}
