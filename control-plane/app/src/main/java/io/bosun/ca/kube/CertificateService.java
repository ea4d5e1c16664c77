package io.bosun.ca.kube;

import io.bosun.api.ca.v1.IstioCertificateRequest;
import io.bosun.api.ca.v1.IstioCertificateResponse;
import io.bosun.api.ca.v1.IstioCertificateServiceGrpc;
import io.bosun.ca.CertificateAuthority;
import io.bosun.ca.MeshCa;
import io.bosun.ca.Pem;
import io.bosun.xds.auth.Caller;
import io.bosun.xds.auth.Identity;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's certificate-signing API ({@code istio.v1.auth.IstioCertificateService/CreateCertificate}):
 * a caller authenticated by a service-account token or a Bosun-issued client certificate sends a
 * CSR and gets a certificate for its own SPIFFE identity, leaf first and root last. A CSR that
 * names any other identity is refused.
 */
public final class CertificateService extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateService.class);
  private final MeshCa ca;
  private final Duration defaultTtl;
  private final Duration maxTtl;

  public CertificateService(MeshCa ca, Duration defaultTtl, Duration maxTtl) {
    this.ca = ca;
    this.defaultTtl = defaultTtl;
    this.maxTtl = maxTtl;
  }

  @Override
  public void createCertificate(IstioCertificateRequest request,
                                StreamObserver<IstioCertificateResponse> responses) {
    Caller caller = Caller.CURRENT.get();
    if (caller == null || caller.identity().isEmpty()) {
      responses.onError(Status.UNAUTHENTICATED.withDescription(
          "a certificate needs a workload identity: send a service-account token (authorization: Bearer)")
          .asRuntimeException());
      return;
    }
    Identity identity = caller.identity().get();
    PKCS10CertificationRequest csr;
    try {
      csr = Pem.csr(request.getCsr());
    } catch (IllegalArgumentException e) {
      responses.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
      return;
    }
    Duration ttl = request.getValidityDuration() > 0 ? Duration.ofSeconds(request.getValidityDuration()) : defaultTtl;
    if (ttl.compareTo(maxTtl) > 0) {
      ttl = maxTtl;
    }
    try {
      IstioCertificateResponse.Builder out = IstioCertificateResponse.newBuilder();
      CertificateAuthority authority = ca.current();
      for (X509Certificate c : authority.sign(csr, identity, ttl)) {
        out.addCertChain(Pem.of(c));
      }
      // the root last, as Istio's agents expect (unless the signer is the root, already there)
      for (X509Certificate root : authority.roots()) {
        if (!out.getCertChainList().contains(Pem.of(root))) {
          out.addCertChain(Pem.of(root));
          break;
        }
      }
      LOG.info("{}: certificate signed for {} ({})", identity.spiffeId(), caller, ttl);
      responses.onNext(out.build());
      responses.onCompleted();
    } catch (SecurityException e) {
      LOG.info("{}: certificate refused: {}", caller, e.getMessage());
      responses.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage()).asRuntimeException());
    } catch (IllegalArgumentException e) {
      responses.onError(Status.INVALID_ARGUMENT.withDescription("csr: " + e.getMessage()).asRuntimeException());
    }
  }
}
