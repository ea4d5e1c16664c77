package io.bosun.e2e;

import io.bosun.certs.Certificates;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** TLS Secrets as tests need them (a fresh CA and certificate each). */
final class Secrets {
  private Secrets() {
  }

  static void tls(KubernetesClient k, String namespace, String name, Map<String, String> labels) {
    Certificates ca = Certificates.newAuthority(name + "-ca", Duration.ofDays(1));
    Certificates.Issued cert = ca.issue(List.of(name + ".example.com"), Duration.ofDays(1));
    k.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName(name)
        .withLabels(labels).endMetadata().withType("kubernetes.io/tls")
        .addToStringData("tls.crt", cert.certificatePem()).addToStringData("tls.key", cert.privateKeyPem())
        .addToStringData("ca.crt", ca.authority().certificatePem()).build()).createOr(op -> op.update());
  }
}
