package io.bosun.certs;

import io.bosun.ca.CertificateAuthority;
import io.bosun.ca.Pem;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * A small certificate authority: a self-signed CA that issues leaf certificates with DNS and IP
 * subject alternative names. Used for Bosun's own webhook certificates and by tests that need
 * real TLS peers.
 */
public final class Certificates {
  /** A certificate with its key, as Java objects and PEM text. */
  public record Issued(X509Certificate certificate, KeyPair keyPair) {
    public String certificatePem() {
      return pem(certificate);
    }

    /** PKCS#8 ("BEGIN PRIVATE KEY"), which BoringSSL and the JDK both read. */
    public String privateKeyPem() {
      try {
        return pem(new JcaPKCS8Generator(keyPair.getPrivate(), null));
      } catch (PemGenerationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final CertificateAuthority ca;
  private final Issued authority;

  private Certificates(CertificateAuthority ca) {
    this.ca = ca;
    this.authority = new Issued(ca.signer(), new KeyPair(ca.signer().getPublicKey(), ca.signerKey()));
  }

  /** A new CA named {@code commonName}, valid for {@code validity} from now. */
  public static Certificates newAuthority(String commonName, Duration validity) {
    return new Certificates(CertificateAuthority.selfSigned(new X500Name("CN=" + commonName + ",O=Bosun"), validity));
  }

  public Issued authority() {
    return authority;
  }

  /**
   * A leaf certificate for both server and client use. Each of {@code names} that is an IPv4
   * address becomes an IP SAN, anything else a DNS SAN; the first is also the common name.
   */
  public Issued issue(List<String> names, Duration validity) {
    CertificateAuthority.Issued leaf = ca.issueServing(names, validity);
    return new Issued(leaf.certificate(), new KeyPair(leaf.certificate().getPublicKey(), leaf.key()));
  }

  static String pem(Object o) {
    return Pem.write(o);
  }
}
