package io.bosun.ca;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** An intermediate CA signed by a root, as a user's PKI would hand Bosun one (tests only). */
final class IntermediateCa {
  private IntermediateCa() {
  }

  static CertificateAuthority.Issued issue(CertificateAuthority root) {
    try {
      KeyPair keys = Keys.newKeyPair();
      Instant now = Instant.now();
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
          X500Name.getInstance(root.signer().getSubjectX500Principal().getEncoded()), BigInteger.valueOf(42),
          Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))),
          new X500Name("O=cluster.local,CN=intermediate"), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(root.signerKey())));
      return new CertificateAuthority.Issued(cert, keys.getPrivate(), List.of(root.signer()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
