package io.bosun.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.config.ConfigParser;
import io.bosun.testing.FuzzInputs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Random and mutated AdmissionReview JSON through both webhooks (Jazzer): every body gets an
 * AdmissionReview answer, with the request's uid whenever the body has a readable one, and never
 * a throwable (findings 15 and 16).
 */
class AdmissionFuzzTest {
  static {
    if (Boolean.getBoolean("bosun.fuzz.quiet")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.bosun"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Injector INJECTOR = new Injector(InjectionConfig.defaults(), 33);
  private static final AdmissionHandler HANDLER = new AdmissionHandler(() -> INJECTOR,
      ns -> Map.of("istio-injection", "enabled"), new ConfigParser());
  private static final List<String> SEEDS = List.of(
      AdmissionHandlerTest.review("CREATE", "Pod", "shop", AdmissionHandlerTest.POD),
      AdmissionHandlerTest.review("CREATE", "VirtualService", "shop", """
          {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r","namespace":"shop"},
           "spec":{"hosts":["r"],"http":[{"match":[{"uri":{"prefix":"/a"}}],"route":[{"destination":{"host":"r"}}]}]}}"""),
      AdmissionHandlerTest.review("UPDATE", "DestinationRule", "shop", """
          {"apiVersion":"networking.istio.io/v1","kind":"DestinationRule","metadata":{"name":"d"},
           "spec":{"host":"r","subsets":[{"name":"v1","labels":{"version":"v1"}}]}}"""));

  @FuzzTest(maxDuration = "25s", maxExecutions = 100_000)
  void everyBodyIsAnsweredWithAnAdmissionReview(FuzzedDataProvider data) throws Exception {
    boolean inject = data.consumeBoolean();
    String body = FuzzInputs.textOrMutatedSeed(data, SEEDS, 6);
    byte[] in = body.getBytes(StandardCharsets.UTF_8);
    byte[] out = inject ? HANDLER.inject(in) : HANDLER.validate(in);
    JsonNode review = JSON.readTree(out);
    assertThat(review.path("kind").asText()).isEqualTo("AdmissionReview");
    JsonNode response = review.path("response");
    assertThat(response.path("allowed").isBoolean()).isTrue();
    String uid = readableUid(in);
    if (uid != null) {
      assertThat(response.path("uid").asText()).isEqualTo(uid);
    }
  }

  private static String readableUid(byte[] body) {
    try {
      JsonNode uid = JSON.readTree(body).path("request").path("uid");
      return uid.isTextual() ? uid.asText() : null;
    } catch (Exception e) {
      return null;
    }
  }
}
