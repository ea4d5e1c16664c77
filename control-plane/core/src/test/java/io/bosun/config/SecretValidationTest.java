package io.bosun.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.bosun.ca.Pem;
import io.bosun.certs.Certificates;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** A credentialName Secret Envoy would refuse is refused first, naming the Secret (finding 12). */
class SecretValidationTest {
  static String secret(String cert, String key) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: gw-cred, namespace: istio-system}
        type: kubernetes.io/tls
        stringData: {tls.crt: "%s", tls.key: "%s"}
        """.formatted(cert.replace("\n", "\\n"), key.replace("\n", "\\n"));
  }

  static List<String> errors(String yaml) {
    return new ConfigParser().parse("s.yaml", yaml).conversions().get(0).problems().stream()
        .map(ConfigError::toString).toList();
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair keys = g.generateKeyPair();
    Instant then = Instant.parse("2020-01-01T00:00:00Z");
    var cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        new X500Name("CN=old.example.com"), BigInteger.ONE, Date.from(then), Date.from(then.plusSeconds(86_400)),
        new X500Name("CN=old.example.com"), keys.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    assertThat(errors(secret(Pem.of(cert), Pem.of(keys.getPrivate())))).containsExactly(
        "s.yaml: Secret istio-system/gw-cred: data.tls.crt: the certificate expired on 2020-01-02T00:00:00Z");
  }

  @Test
  void aKeyThatIsNotPemIsRefused() throws Exception {
    Certificates ca = Certificates.newAuthority("t", Duration.ofDays(1));
    String cert = ca.issue(List.of("x.example.com"), Duration.ofDays(1)).certificatePem();
    assertThat(errors(secret(cert, "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n")))
        .containsExactly("s.yaml: Secret istio-system/gw-cred: data.tls.key: not a PEM private key");
  }

  @Test
  void aMatchingPairIsAccepted() {
    Certificates ca = Certificates.newAuthority("t", Duration.ofDays(1));
    var issued = ca.issue(List.of("x.example.com"), Duration.ofDays(1));
    assertThat(errors(secret(issued.certificatePem(), issued.privateKeyPem()))).isEmpty();
  }
}
