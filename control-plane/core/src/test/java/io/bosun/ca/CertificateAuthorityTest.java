package io.bosun.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bosun.identity.SpiffeNames;
import io.bosun.xds.auth.Identity;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/** The mesh CA: roots, workload and serving certificates, CSR signing, and the CA Secret layouts. */
class CertificateAuthorityTest {
  static final Identity WEB = new Identity("cluster.local", "shop", "web", "");

  @Test
  void aSelfSignedRootNamesItsTrustDomain() throws Exception {
    CertificateAuthority ca = CertificateAuthority.selfSigned("example.org", Duration.ofDays(3650));
    X509Certificate root = ca.signer();
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(root.getSubjectX500Principal().getName()).contains("O=example.org");
    assertThat(SpiffeNames.uris(root)).containsExactly("spiffe://example.org");
    assertThat(root.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(3649)));
    assertThat(ca.roots()).containsExactly(root);
  }

  @Test
  void workloadCertificatesCarryOnlyTheSpiffeIdAndTheirLifetime() throws Exception {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10));
    CertificateAuthority.Issued w = ca.issueWorkload(WEB, Duration.ofHours(24));
    assertThat(SpiffeNames.uris(w.certificate())).containsExactly("spiffe://cluster.local/ns/shop/sa/web");
    assertThat(w.certificate().getSubjectAlternativeNames()).hasSize(1);
    assertThat(w.certificate().getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId());
    assertThat(w.certificate().getBasicConstraints()).isEqualTo(-1);
    assertThat(w.certificate().getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    w.certificate().verify(ca.signer().getPublicKey());
    assertThat(Duration.between(Instant.now(), w.notAfter())).isBetween(Duration.ofHours(23), Duration.ofHours(24));
    // renewal at half its life, counted from issuance (not from the back-dated notBefore)
    assertThat(w.due(Instant.now(), 0.5)).isFalse();
    assertThat(w.due(Instant.now().plus(Duration.ofHours(13)), 0.5)).isTrue();
  }

  @Test
  void aCertificateNeverOutlivesItsIssuer() {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofHours(1));
    CertificateAuthority.Issued w = ca.issueWorkload(WEB, Duration.ofDays(1));
    assertThat(w.notAfter()).isBeforeOrEqualTo(ca.signer().getNotAfter().toInstant());
  }

  @Test
  void aCsrIsSignedForTheCallerOnly() throws Exception {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10));
    List<X509Certificate> chain = ca.sign(csr("spiffe://cluster.local/ns/shop/sa/web"), WEB, Duration.ofHours(1));
    assertThat(SpiffeNames.uris(chain.get(0))).containsExactly("spiffe://cluster.local/ns/shop/sa/web");
    assertThat(chain).endsWith(ca.signer());
    // a CSR without names gets the caller's identity
    assertThat(SpiffeNames.uris(ca.sign(csr(null), WEB, Duration.ofHours(1)).get(0)))
        .containsExactly("spiffe://cluster.local/ns/shop/sa/web");
    assertThatThrownBy(() -> ca.sign(csr("spiffe://cluster.local/ns/istio-system/sa/admin"), WEB, Duration.ofHours(1)))
        .isInstanceOf(SecurityException.class).hasMessageContaining("istio-system/sa/admin");
  }

  @Test
  void aCsrAskingForAHostNameIsRefused() throws Exception {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10));
    KeyPair keys = keys();
    ExtensionsGenerator ext = new ExtensionsGenerator();
    ext.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.dNSName, "bank.example.com")));
    PKCS10CertificationRequest req = new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    assertThatThrownBy(() -> ca.sign(req, WEB, Duration.ofHours(1))).isInstanceOf(SecurityException.class)
        .hasMessageContaining("DNS name (bank.example.com)");
  }

  @Test
  void anIntermediateFromIstiosCacertsLayoutSignsWithItsChain() {
    CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(100));
    CertificateAuthority.Issued intermediate = IntermediateCa.issue(root);
    Map<String, String> cacerts = Map.of(
        CaMaterial.CA_CERT, Pem.of(intermediate.certificate()),
        CaMaterial.CA_KEY, intermediate.keyPem(),
        CaMaterial.CERT_CHAIN, Pem.of(List.of(intermediate.certificate(), root.signer())),
        CaMaterial.ROOT_CERT, root.rootsPem());
    CertificateAuthority ca = CaMaterial.read(cacerts, "Secret istio-system/cacerts");
    assertThat(ca.signer()).isEqualTo(intermediate.certificate());
    assertThat(ca.roots()).containsExactly(root.signer());
    assertThat(ca.chain()).isEmpty(); // the root is in the bundle, not repeated in chains
    CertificateAuthority.Issued w = ca.issueWorkload(WEB, Duration.ofHours(1));
    assertThat(w.chain()).containsExactly(intermediate.certificate());
  }

  @Test
  void certManagersLayoutReadsToo() {
    CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(100));
    CertificateAuthority ca = CaMaterial.read(Map.of("tls.crt", Pem.of(root.signer()), "tls.key",
        Pem.of(root.signerKey()), "ca.crt", root.rootsPem()), "Secret istio-system/cacerts");
    assertThat(ca.signer()).isEqualTo(root.signer());
  }

  @Test
  void anUnusableCaSecretIsRefusedNamingTheSecretAndKey() {
    CertificateAuthority a = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(100));
    CertificateAuthority b = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(100));
    assertThatThrownBy(() -> CaMaterial.read(Map.of(CaMaterial.CA_CERT, Pem.of(a.signer()),
        CaMaterial.CA_KEY, Pem.of(b.signerKey())), "Secret istio-system/cacerts"))
        .hasMessageContaining("Secret istio-system/cacerts").hasMessageContaining("key does not belong");
    assertThatThrownBy(() -> CaMaterial.read(Map.of(CaMaterial.CA_CERT, "not a certificate",
        CaMaterial.CA_KEY, Pem.of(a.signerKey())), "Secret istio-system/cacerts"))
        .hasMessageContaining("ca-cert.pem");
    CertificateAuthority.Issued leaf = a.issueWorkload(WEB, Duration.ofHours(1));
    assertThatThrownBy(() -> CaMaterial.read(Map.of(CaMaterial.CA_CERT, Pem.of(leaf.certificate()),
        CaMaterial.CA_KEY, leaf.keyPem(), CaMaterial.ROOT_CERT, a.rootsPem()), "Secret istio-system/cacerts"))
        .hasMessageContaining("not a CA");
    assertThatThrownBy(() -> CaMaterial.read(Map.of(CaMaterial.CA_CERT, Pem.of(a.signer()),
        CaMaterial.CA_KEY, Pem.of(a.signerKey()), CaMaterial.ROOT_CERT, b.rootsPem()), "Secret istio-system/cacerts"))
        .hasMessageContaining("does not chain");
  }

  @Test
  void bosunsOwnSecretRoundTrips() {
    CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(100));
    CertificateAuthority back = CaMaterial.read(CaMaterial.write(ca), "Secret istio-system/bosun-ca");
    assertThat(back.signer()).isEqualTo(ca.signer());
    assertThat(back.roots()).isEqualTo(ca.roots());
  }

  static PKCS10CertificationRequest csr(String uri) throws Exception {
    KeyPair keys = keys();
    var b = new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic());
    if (uri != null) {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(Extension.subjectAlternativeName, true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
      b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
    }
    return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
  }

  static KeyPair keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }
}
