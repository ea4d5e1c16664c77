package io.bosun.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.xds.auth.Identity;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SDS {@code default} and {@code ROOTCA}: stable until renewal is due or the CA changes, then renewed. */
class WorkloadCertificatesTest {
  static final Identity WEB = new Identity("cluster.local", "shop", "web", "");

  static final class MovableClock extends Clock {
    Instant now = Instant.now();

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void theSameCertificateUntilHalfItsLifeThenANewOne() {
    MovableClock clock = new MovableClock();
    MeshCa ca = new MeshCa(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10)));
    WorkloadCertificates certs = new WorkloadCertificates(ca, Duration.ofHours(24), clock);
    List<Secret> first = certs.secrets(WEB);
    assertThat(first).extracting(Secret::getName).containsExactly("default", "ROOTCA");
    assertThat(certs.secrets(WEB)).isEqualTo(first); // byte-identical: no push
    assertThat(certs.rotate(Set.of(WEB.spiffeId()))).isFalse();
    clock.now = clock.now.plus(Duration.ofHours(13));
    assertThat(certs.rotate(Set.of(WEB.spiffeId()))).isTrue();
    assertThat(certs.secrets(WEB).get(0)).isNotEqualTo(first.get(0));
    assertThat(certs.secrets(WEB).get(1)).isEqualTo(first.get(1)); // same roots
  }

  @Test
  void aNewCaRenewsEveryCertificateAndTheRoots() {
    MeshCa ca = new MeshCa(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10)));
    WorkloadCertificates certs = new WorkloadCertificates(ca, Duration.ofHours(24), Clock.systemUTC());
    List<Secret> first = certs.secrets(WEB);
    CertificateAuthority next = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10))
        .trusting(ca.current().roots());
    assertThat(ca.set(next)).isTrue();
    assertThat(certs.rotate(Set.of(WEB.spiffeId()))).isTrue();
    List<Secret> second = certs.secrets(WEB);
    assertThat(second.get(0)).isNotEqualTo(first.get(0));
    // both roots trusted while the old one's certificates are still out there
    assertThat(Pem.certificates(second.get(1).getValidationContext().getTrustedCa().getInlineBytes()
        .toStringUtf8())).hasSize(2);
  }

  @Test
  void identitiesNoLongerConnectedAreForgotten() {
    MeshCa ca = new MeshCa(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10)));
    WorkloadCertificates certs = new WorkloadCertificates(ca, Duration.ofHours(24), Clock.systemUTC());
    certs.secrets(WEB);
    certs.rotate(Set.of());
    assertThat(certs.current(WEB)).isEmpty();
  }

  @Test
  void nothingWhileTheCaIsNotLoaded() {
    WorkloadCertificates certs = new WorkloadCertificates(new MeshCa(), Duration.ofHours(24), Clock.systemUTC());
    assertThat(certs.secrets(WEB)).isEmpty();
    assertThat(certs.rotate(Set.of(WEB.spiffeId()))).isFalse();
  }
}
