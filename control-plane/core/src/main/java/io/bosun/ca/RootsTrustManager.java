package io.bosun.ca;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.X509TrustManager;

/**
 * Verifies client certificates against the mesh CA's current roots (read at each handshake, so a
 * root rotation needs no restart). Only client certificates: Bosun trusts no server through this.
 */
public final class RootsTrustManager implements X509TrustManager {
  private final Supplier<List<X509Certificate>> roots;

  public RootsTrustManager(Supplier<List<X509Certificate>> roots) {
    this.roots = roots;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("no client certificate");
    }
    try {
      Set<TrustAnchor> anchors = roots.get().stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet());
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      // the path is the chain without any root the client may have appended
      List<X509Certificate> path = Arrays.stream(chain).filter(c -> !roots.get().contains(c)).toList();
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("the client certificate is not issued by the mesh CA: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("not used for servers");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return roots.get().toArray(X509Certificate[]::new);
  }
}
