package io.bosun.inject;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bosun.config.ConfigParser;
import io.bosun.logging.LogContext;
import io.bosun.telemetry.MeshMetrics;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

public class AdmissionHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Injector injector = new Injector(InjectionConfig.defaults(), 33);
  private final AdmissionHandler handler = new AdmissionHandler(() -> injector,
      ns -> ns.equals("shop") ? Map.of("istio-injection", "enabled") : Map.of(), new ConfigParser());

  public static String review(String operation, String kind, String namespace, String object) {
    return """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",
         "kind":{"group":"","version":"v1","kind":"%s"},"operation":"%s","namespace":"%s","object":%s}}
        """.formatted(kind, operation, namespace, object);
  }

  public static final String POD = """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-","namespace":"shop","labels":{"app":"web"}},
       "spec":{"containers":[{"name":"web","image":"example/web:1"}]}}""";

  private JsonNode call(boolean inject, String body) throws Exception {
    byte[] out = inject ? handler.inject(body.getBytes(StandardCharsets.UTF_8))
        : handler.validate(body.getBytes(StandardCharsets.UTF_8));
    JsonNode r = JSON.readTree(out);
    assertThat(r.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    return r.path("response");
  }

  @Test
  void aPodCreatedInALabelledNamespaceGetsAPatchEqualToKubeInject() throws Exception {
    JsonNode response = call(true, review("CREATE", "Pod", "shop", POD));
    assertThat(response.path("uid").asText()).isEqualTo("u-1");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
    JsonNode patched = JsonPatch.apply(patch, JSON.readTree(POD));
    JsonNode kubeInject = new KubeInject(injector).injectDoc(JSON.readTree(POD));
    // compared as re-read text: the same JSON whatever numeric node types each side built
    assertThat(JSON.readTree(patched.toString())).isEqualTo(JSON.readTree(kubeInject.toString()));
    assertThat(patched.path("spec").path("initContainers")).extracting(c -> c.path("name").asText())
        .containsExactly("istio-init", "istio-proxy");
  }

  @Test
  void updatesOtherKindsAndUnlabelledNamespacesPassUntouched() throws Exception {
    assertThat(call(true, review("UPDATE", "Pod", "shop", POD)).has("patch")).isFalse();
    assertThat(call(true, review("CREATE", "Pod", "other", POD.replace("\"shop\"", "\"other\""))).has("patch"))
        .isFalse();
    assertThat(call(true, review("CREATE", "Service", "shop", "{\"kind\":\"Service\"}")).path("allowed").asBoolean())
        .isTrue();
  }

  @Test
  void oddObjectsAreRefusedWithTheirUidAndWhatIsWrong() throws Exception {
    // finding 15: these threw inside the handler and were answered with uid "" and "no request",
    // which kube-apiserver refuses ("expected response.uid"), so users saw a webhook failure
    JsonNode nullContainer = call(true, review("CREATE", "Pod", "shop",
        "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[null]}}"));
    assertThat(nullContainer.path("uid").asText()).isEqualTo("u-1");
    assertThat(nullContainer.path("allowed").asBoolean()).isFalse();
    assertThat(nullContainer.path("status").path("message").asText())
        .isEqualTo("request.object.spec.containers[0]: must be a container, not null");
    for (String[] c : new String[][] {
        {"[1,2]", "request.object: must be a Kubernetes object, not array"},
        {"\"x\"", "request.object: must be a Kubernetes object, not string"},
        {"{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":\"x\"}",
            "request.object.metadata: must be an object, not string"}}) {
      JsonNode r = call(false, review("CREATE", "VirtualService", "shop", c[0]));
      assertThat(r.path("uid").asText()).as(c[0]).isEqualTo("u-1");
      assertThat(r.path("allowed").asBoolean()).isFalse();
      assertThat(r.path("status").path("message").asText()).isEqualTo(c[1]);
    }
    // a request whose uid can be read but whose request is not an object still echoes it
    JsonNode odd = call(true, "{\"request\":{\"uid\":\"u-7\",\"object\":5}}");
    assertThat(odd.path("uid").asText()).isEqualTo("u-7");
  }

  @Test
  void aRegexNestedThousandsDeepIsRefusedNotDropped() throws Exception {
    // finding 3: /validate's worker thread died of a StackOverflowError and the connection dropped
    String deep = "(".repeat(5000) + ")".repeat(5000);
    JsonNode r = call(false, review("CREATE", "VirtualService", "shop", """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"re","namespace":"shop"},
         "spec":{"hosts":["x"],"http":[{"match":[{"uri":{"regex":"%s"}}],"route":[{"destination":{"host":"x"}}]}]}}"""
        .formatted(deep)));
    assertThat(r.path("uid").asText()).isEqualTo("u-1");
    assertThat(r.path("allowed").asBoolean()).isFalse();
    assertThat(r.path("status").path("message").asText())
        .contains("spec.http[0].match[0].uri.regex").contains("the limit is 1024").hasSizeLessThan(600);
  }

  @Test
  void malformedInputIsRefusedWithAReason() throws Exception {
    JsonNode garbage = call(true, "{not json");
    assertThat(garbage.path("allowed").asBoolean()).isFalse();
    assertThat(garbage.path("status").path("message").asText()).startsWith("malformed AdmissionReview");
    JsonNode noRequest = call(true, "{\"kind\":\"AdmissionReview\"}");
    assertThat(noRequest.path("status").path("message").asText())
        .isEqualTo("malformed AdmissionReview: no request object");
    JsonNode badPod = call(true, review("CREATE", "Pod", "shop", "{\"spec\":{\"containers\":\"oops\"}}"));
    assertThat(badPod.path("allowed").asBoolean()).isFalse();
    assertThat(badPod.path("status").path("message").asText()).startsWith("cannot read the pod");
    JsonNode badAnnotation = call(true, review("CREATE", "Pod", "shop", POD.replace("\"labels\"",
        "\"annotations\":{\"traffic.sidecar.istio.io/excludeOutboundPorts\":\"http\"},\"labels\"")));
    assertThat(badAnnotation.path("status").path("message").asText())
        .contains("metadata.annotations: exclude outbound ports: \"http\" is not a port");
  }

  @Test
  void theValidatorRejectsWithBosunsMessageAndPassesWarnings() throws Exception {
    String bad = """
        {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r"},
         "spec":{"hosts":["a"],"http":[{"timeout":"5x","route":[{"destination":{"host":"a"}}]}]}}""";
    JsonNode r = call(false, review("CREATE", "VirtualService", "shop", bad));
    assertThat(r.path("allowed").asBoolean()).isFalse();
    assertThat(r.path("status").path("message").asText())
        .isEqualTo("VirtualService shop/r: spec.http[0].timeout: invalid duration \"5x\": a number and a unit"
            + " (ms, s, m, h), e.g. 1.5s");
    ObjectNode good = (ObjectNode) JSON.readTree(bad.replace("5x", "5s").replace("\"hosts\"",
        "\"exportTo\":[\".\"],\"hosts\""));
    JsonNode ok = call(false, review("CREATE", "VirtualService", "shop", good.toString()));
    assertThat(ok.path("allowed").asBoolean()).isTrue();
  }

  @Test
  void everyLineAboutAReviewNamesItsObjectInTheMdc() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(AdmissionHandler.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      call(false, review("CREATE", "VirtualService", "shop", """
          {"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r"},
           "spec":{"hosts":["a"],"http":[{"timeout":"5x","route":[{"destination":{"host":"a"}}]}]}}"""));
      call(true, review("CREATE", "Pod", "shop", POD));
    } finally {
      logger.detachAppender(lines);
    }
    assertThat(lines.list).extracting(e -> e.getMDCPropertyMap().get(LogContext.RESOURCE) + ": "
        + e.getFormattedMessage())
        .anyMatch(l -> l.startsWith("VirtualService shop/r: VirtualService shop/r: rejected"))
        .anyMatch(l -> l.startsWith("Pod shop/web-*: Pod shop/web-*: injected"));
    assertThat(MDC.get(LogContext.RESOURCE)).isNull();
  }

  @Test
  void aTemplateBosunDoesNotOfferLeavesThePodAloneWithAWarning() throws Exception {
    JsonNode r = call(true, review("CREATE", "Pod", "shop", POD.replace("\"labels\"",
        "\"annotations\":{\"inject.istio.io/templates\":\"grpc-agent\"},\"labels\"")));
    assertThat(r.path("allowed").asBoolean()).isTrue();
    assertThat(r.has("patch")).as("no proxy rather than the wrong one").isFalse();
    assertThat(r.path("warnings")).extracting(JsonNode::asText).singleElement().asString()
        .contains("Istio's \"grpc-agent\" template").contains("left without a proxy");
  }

  @Test
  void proxyConfigFieldsBosunIgnoresAreWarningsOnAnInjectedPod() throws Exception {
    JsonNode r = call(true, review("CREATE", "Pod", "shop", POD.replace("\"labels\"",
        "\"annotations\":{\"proxy.istio.io/config\":\"{tracing: {sampling: 1}, concurrency: 2}\"},\"labels\"")));
    assertThat(r.path("allowed").asBoolean()).isTrue();
    assertThat(r.path("patchType").asText()).isEqualTo("JSONPatch");
    assertThat(r.path("warnings")).extracting(JsonNode::asText)
        .containsExactly("proxy.istio.io/config: tracing is not supported by Bosun's proxy and ignored");
    JsonNode bad = call(true, review("CREATE", "Pod", "shop", POD.replace("\"labels\"",
        "\"annotations\":{\"proxy.istio.io/config\":\"concurrency: many\"},\"labels\"")));
    assertThat(bad.path("allowed").asBoolean()).isFalse();
    assertThat(bad.path("status").path("message").asText())
        .endsWith("metadata.annotations[proxy.istio.io/config].concurrency: must be an integer");
  }

  @Test
  void reportsWhatBecameOfEachPod() throws Exception {
    List<MeshMetrics.Injection> outcomes = new ArrayList<>();
    AdmissionHandler counted = new AdmissionHandler(() -> injector,
        ns -> ns.equals("shop") ? Map.of("istio-injection", "enabled") : Map.of(), new ConfigParser(),
        new MeshMetrics() {
          @Override
          public void injection(Injection outcome) {
            outcomes.add(outcome);
          }
        });
    counted.inject(review("CREATE", "Pod", "shop", POD).getBytes(StandardCharsets.UTF_8));
    counted.inject(review("CREATE", "Pod", "elsewhere", POD.replace("\"shop\"", "\"elsewhere\""))
        .getBytes(StandardCharsets.UTF_8));
    counted.inject("not json".getBytes(StandardCharsets.UTF_8));
    assertThat(outcomes).containsExactly(MeshMetrics.Injection.SUCCESS, MeshMetrics.Injection.SKIP,
        MeshMetrics.Injection.FAILURE);
  }
}
