package io.bosun.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.bosun.config.ConfigParser;
import io.bosun.config.ConfigStore;
import io.fabric8.istio.api.api.meta.v1alpha1.IstioConditionBuilder;
import io.fabric8.istio.api.security.v1.AuthorizationPolicy;
import io.fabric8.istio.api.security.v1.AuthorizationPolicyBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class StatusWriterTest {
  private final ConfigParser parser = new ConfigParser();
  private final ConfigStore store = new ConfigStore();

  private ConfigStore.Entry apply(String yaml) {
    store.put(parser.parse("kubernetes", yaml).conversions().get(0));
    return store.entries().get(0);
  }

  @Test
  void validIsReconciledTrueInvalidIsFalseNamingTheField() {
    String good = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}
        """;
    StatusWriter.Desired ok = StatusWriter.desired(apply(good), 3);
    assertThat(ok).isEqualTo(new StatusWriter.Desired("True", "Accepted", "", 3));

    StatusWriter.Desired bad = StatusWriter.desired(apply(good.replace("host: a}", "host: a, port: {number: 0}}")), 4);
    assertThat(bad.status()).isEqualTo("False");
    assertThat(bad.reason()).isEqualTo("Invalid");
    assertThat(bad.message()).isEqualTo("spec.http[0].route[0].destination.port.number: port number 0 is out of range"
        + " 1-65535 (the last valid version keeps serving)");
    assertThat(bad.generation()).isEqualTo(4);
  }

  @Test
  void warningsAreCarriedInTheMessageOfAnAcceptedResource() {
    StatusWriter.Desired d = StatusWriter.desired(apply("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: r, namespace: shop}
        spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}], tcp: [{match: [{sourceSubnet: 10.0.0.0/8}], route: [{destination: {host: a}}]}]}
        """), 1);
    assertThat(d.status()).isEqualTo("True");
    assertThat(d.message())
        .contains("spec.tcp[0].match[0].sourceSubnet: not supported by this Bosun release yet; ignored");
  }

  /**
   * A security.istio.io policy's status goes to its own API group (a fake API server records the
   * request); once the object carries the condition, nothing is written again.
   */
  @Test
  void aSecurityPolicysStatusIsPatchedInSecurityIstioIo() throws IOException {
    ConfigStore.Entry entry = apply("""
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: p, namespace: shop}
        spec: {action: DENY, rules: [{}]}
        """);
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + new String(body, StandardCharsets.UTF_8));
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    api.start();
    AuthorizationPolicy[] seen = {new AuthorizationPolicyBuilder().withNewMetadata().withName("p")
        .withNamespace("shop").withGeneration(2L).endMetadata().build()};
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("http://127.0.0.1:" + api.getAddress().getPort()).withRequestRetryBackoffLimit(0).build())
        .build()) {
      StatusWriter writer = new StatusWriter(client,
          ref -> ref.equals(entry.ref()) ? Optional.<HasMetadata>of(seen[0]) : Optional.empty(), store, () -> true);
      writer.sync();
      assertThat(requests).filteredOn(r -> r.startsWith("PATCH")).singleElement().asString()
          .startsWith("PATCH /apis/security.istio.io/v1/namespaces/shop/authorizationpolicies/p/status ")
          .contains("\"apiVersion\":\"security.istio.io/v1\"", "\"type\":\"Reconciled\"", "\"status\":\"True\"");

      requests.clear();
      seen[0] = new AuthorizationPolicyBuilder(seen[0]).withNewStatus().withObservedGeneration(2L)
          .withConditions(new IstioConditionBuilder().withType(StatusWriter.CONDITION).withStatus("True")
              .withReason("Accepted").withMessage("").withObservedGeneration(2L).build())
          .endStatus().build();
      writer.sync();
      assertThat(requests).as("the condition is read back: nothing to write").isEmpty();
    } finally {
      api.stop(0);
    }
  }
}
