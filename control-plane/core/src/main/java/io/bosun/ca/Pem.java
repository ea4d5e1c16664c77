package io.bosun.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemGenerationException;

/** PEM in and out: certificates, private keys (PKCS#1, SEC1 or PKCS#8) and certificate requests. */
public final class Pem {
  private Pem() {
  }

  /** Every certificate in {@code pem}, in order; throws IllegalArgumentException when there is none. */
  public static List<X509Certificate> certificates(String pem) {
    try {
      List<X509Certificate> out = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8))).stream()
          .map(c -> (X509Certificate) c).toList();
      if (out.isEmpty()) {
        throw new IllegalArgumentException("no PEM certificate found");
      }
      return out;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
  }

  public static PrivateKey privateKey(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      throw new IllegalArgumentException("no private key in the PEM");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the private key: " + e.getMessage(), e);
    }
  }

  public static PKCS10CertificationRequest csr(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o instanceof PKCS10CertificationRequest r) {
        return r;
      }
      throw new IllegalArgumentException("no PEM certificate request (BEGIN CERTIFICATE REQUEST)");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the certificate request: " + e.getMessage(), e);
    }
  }

  public static String of(X509Certificate certificate) {
    return write(certificate);
  }

  public static String of(List<X509Certificate> certificates) {
    StringBuilder sb = new StringBuilder();
    certificates.forEach(c -> sb.append(write(c)));
    return sb.toString();
  }

  /** PKCS#8 ("BEGIN PRIVATE KEY"), which BoringSSL and the JDK both read. */
  public static String of(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null));
    } catch (PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Any object BouncyCastle can write as PEM. */
  public static String write(Object o) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
