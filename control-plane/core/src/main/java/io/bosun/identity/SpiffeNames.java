package io.bosun.identity;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The URI subject alternative names of a certificate (where SPIFFE ids live). */
public final class SpiffeNames {
  private static final int URI = 6;

  private SpiffeNames() {
  }

  public static List<String> uris(X509Certificate certificate) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> n : names) {
          if (n.size() == 2 && Integer.valueOf(URI).equals(n.get(0))) {
            out.add(String.valueOf(n.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return out;
  }
}
