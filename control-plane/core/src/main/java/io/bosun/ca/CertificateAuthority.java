package io.bosun.ca;

import io.bosun.xds.auth.Identity;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Bosun's certificate authority: a signing certificate and key (a self-signed root Bosun made,
 * or an intermediate the user supplied), the chain from it up to the root, and the roots workloads
 * trust. Issues workload certificates whose only name is the SPIFFE URI
 * {@code spiffe://<trust-domain>/ns/<ns>/sa/<sa>}, as Istio's do, and serving certificates for
 * Bosun's own DNS names. Immutable; a new root or signing key is a new instance.
 */
public final class CertificateAuthority {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Back-dating tolerates clock skew between the machines that check a certificate. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  /** A certificate Bosun issued, with the key it certifies and the chain above it (up to the root). */
  public record Issued(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {
    /** The leaf first, then every issuer up to and including the root. */
    public String chainPem() {
      List<X509Certificate> all = new ArrayList<>();
      all.add(certificate);
      all.addAll(chain);
      return Pem.of(all);
    }

    public String keyPem() {
      return Pem.of(key);
    }

    public Instant notBefore() {
      return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
      return certificate.getNotAfter().toInstant();
    }

    /**
     * Past {@code ratio} of its lifetime (Istio renews workload certificates at one half), counted
     * from when it was issued: the back-dated part of its validity is not life it has had.
     */
    public boolean due(Instant now, double ratio) {
      Instant issued = issuedAt(certificate);
      long life = Duration.between(issued, notAfter()).toMillis();
      return now.isAfter(issued.plusMillis((long) (life * ratio)));
    }

    @Override
    public String toString() {
      return "Issued[" + certificate.getSubjectX500Principal() + ", until " + notAfter() + "]";
    }
  }

  private final X509Certificate signer;
  private final PrivateKey signerKey;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> roots;

  /**
   * @param chain the issuers of {@code signer} up to the root, nearest first; empty when the signer
   *              is itself a root
   * @param roots what workloads trust (at least the root of {@code signer}; more while one rotates)
   */
  public CertificateAuthority(X509Certificate signer, PrivateKey signerKey, List<X509Certificate> chain,
                              List<X509Certificate> roots) {
    this.signer = Objects.requireNonNull(signer, "signer");
    this.signerKey = Objects.requireNonNull(signerKey, "signerKey");
    this.chain = List.copyOf(chain);
    this.roots = List.copyOf(roots.isEmpty() ? List.of(signer) : roots);
    if (signer.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("the CA certificate " + signer.getSubjectX500Principal()
          + " is not a CA (basicConstraints CA:FALSE)");
    }
    if (!Keys.matches(signer.getPublicKey(), signerKey)) {
      throw new IllegalArgumentException("the CA key does not belong to the CA certificate "
          + signer.getSubjectX500Principal());
    }
  }

  /** A new self-signed root for {@code trustDomain} (Istio's naming: O=trust domain), valid for {@code validity}. */
  public static CertificateAuthority selfSigned(String trustDomain, Duration validity) {
    // the trust domain's own SPIFFE id (SPIFFE allows it on signing certificates)
    return root(new X500Name("O=" + trustDomain + ",CN=Bosun root CA"), validity,
        new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain));
  }

  /** A new self-signed CA named {@code name}, valid for {@code validity}: for certificates outside the mesh. */
  public static CertificateAuthority selfSigned(X500Name name, Duration validity) {
    return root(name, validity, null);
  }

  private static CertificateAuthority root(X500Name name, Duration validity, GeneralName san) {
    KeyPair keys = Keys.newKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = builder(name, name, keys.getPublic(), validity)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      if (san != null) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
      }
      X509Certificate root = sign(b, keys.getPrivate());
      return new CertificateAuthority(root, keys.getPrivate(), List.of(), List.of(root));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create a root certificate", e);
    }
  }

  /**
   * When a certificate Bosun made was issued: its notBefore is back-dated for clock skew, and that
   * part of its validity is not life it has had (renewal points count from issuance).
   */
  public static Instant issuedAt(X509Certificate certificate) {
    return certificate.getNotBefore().toInstant().plus(BACKDATE);
  }

  public X509Certificate signer() {
    return signer;
  }

  public PrivateKey signerKey() {
    return signerKey;
  }

  public List<X509Certificate> chain() {
    return chain;
  }

  public List<X509Certificate> roots() {
    return roots;
  }

  /** The trust bundle as PEM: what {@code ROOTCA} and the {@code istio-ca-root-cert} ConfigMap carry. */
  public String rootsPem() {
    return Pem.of(roots);
  }

  /** This CA with {@code more} roots trusted too (a root rotation keeps the old one trusted for a while). */
  public CertificateAuthority trusting(List<X509Certificate> more) {
    List<X509Certificate> all = new ArrayList<>(roots);
    more.stream().filter(r -> !all.contains(r)).forEach(all::add);
    return new CertificateAuthority(signer, signerKey, chain, all);
  }

  /** A new key pair and a workload certificate for {@code identity}, valid for {@code ttl}. */
  public Issued issueWorkload(Identity identity, Duration ttl) {
    KeyPair keys = Keys.newKeyPair();
    return new Issued(workload(keys.getPublic(), identity.spiffeId(), ttl), keys.getPrivate(), issuers());
  }

  /**
   * Signs {@code csr} for {@code identity}: the certificate's only name is the identity's SPIFFE
   * URI. The request must be self-signed by its key, and every URI name it asks for must be that
   * identity; anything else in it is ignored. Returns the chain, leaf first, root last.
   */
  public List<X509Certificate> sign(PKCS10CertificationRequest csr, Identity identity, Duration ttl) {
    PublicKey key;
    try {
      JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
      key = jca.getPublicKey();
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("the certificate request's signature does not verify");
      }
    } catch (GeneralSecurityException | OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException("cannot read the certificate request's key: " + e.getMessage(), e);
    }
    for (String uri : requestedUris(csr)) {
      if (!uri.equals(identity.spiffeId())) {
        throw new SecurityException("the certificate request names " + uri + ", but the caller is "
            + identity.spiffeId());
      }
    }
    List<X509Certificate> out = new ArrayList<>();
    out.add(workload(key, identity.spiffeId(), ttl));
    out.addAll(issuers());
    return out;
  }

  /** A serving certificate for Bosun's own names (DNS, or IP for dotted quads). */
  public Issued issueServing(List<String> names, Duration ttl) {
    KeyPair keys = Keys.newKeyPair();
    GeneralName[] sans = names.stream()
        .map(n -> n.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, n)
            : new GeneralName(GeneralName.dNSName, n))
        .toArray(GeneralName[]::new);
    try {
      X509v3CertificateBuilder b = leaf(new X500Name("CN=" + names.get(0)), keys.getPublic(), ttl)
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
      return new Issued(sign(b, signerKey), keys.getPrivate(), issuers());
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a serving certificate for " + names, e);
    }
  }

  /** The signer and its chain, excluding nothing: the part of a chain above any leaf it issues. */
  private List<X509Certificate> issuers() {
    List<X509Certificate> out = new ArrayList<>();
    out.add(signer);
    out.addAll(chain);
    return out;
  }

  private X509Certificate workload(PublicKey key, String spiffeId, Duration ttl) {
    try {
      // an empty subject with a critical SAN, as Istio's workload certificates have
      X509v3CertificateBuilder b = leaf(new X500Name(""), key, ttl)
          .addExtension(Extension.subjectAlternativeName, true,
              new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
      return sign(b, signerKey);
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a certificate for " + spiffeId, e);
    }
  }

  private X509v3CertificateBuilder leaf(X500Name subject, PublicKey key, Duration ttl)
      throws IOException, GeneralSecurityException {
    // never outlive the signer: a chain past its issuer's expiry fails verification anyway
    Duration capped = ttl;
    Instant limit = signer.getNotAfter().toInstant();
    if (Instant.now().plus(ttl).isAfter(limit)) {
      capped = Duration.between(Instant.now(), limit);
    }
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    return builder(X500Name.getInstance(signer.getSubjectX500Principal().getEncoded()), subject, key, capped)
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
        .addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
        .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(signer));
  }

  private static List<String> requestedUris(PKCS10CertificationRequest csr) {
    List<String> out = new ArrayList<>();
    for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      Extensions exts = Extensions.getInstance(a.getAttrValues().getObjectAt(0));
      GeneralNames names = GeneralNames.fromExtensions(exts, Extension.subjectAlternativeName);
      if (names == null) {
        continue;
      }
      for (GeneralName n : names.getNames()) {
        if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
          out.add(n.getName().toString());
        } else {
          // only a workload identity can be asked for; a DNS or IP name is not the caller's to claim
          throw new SecurityException("the certificate request asks for a " + tagName(n.getTagNo())
              + " name (" + n.getName() + "); only the caller's SPIFFE identity can be certified");
        }
      }
    }
    return out;
  }

  private static String tagName(int tag) {
    return switch (tag) {
      case GeneralName.dNSName -> "DNS";
      case GeneralName.iPAddress -> "IP";
      case GeneralName.rfc822Name -> "e-mail";
      default -> "tag-" + tag;
    };
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key,
                                                  Duration validity) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM), Date.from(now.minus(BACKDATE)),
        Date.from(now.plus(validity)), subject, key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    String algorithm = key instanceof ECPrivateKey ? "SHA256withECDSA" : "SHA256withRSA";
    ContentSigner s = new JcaContentSignerBuilder(algorithm).build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(s));
  }
}
