package io.bosun.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import io.bosun.logging.LogContext;
import io.bosun.telemetry.MeshMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonDiff;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AdmissionReview v1 in, AdmissionReview v1 out, for both webhooks. Every request gets an
 * answer: a malformed review or object is refused with the reason, never answered with a 500.
 */
public final class AdmissionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final Supplier<Injector> injector;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final ConfigParser parser;
  private final MeshMetrics metrics;

  public AdmissionHandler(Supplier<Injector> injector, Function<String, Map<String, String>> namespaceLabels,
                          ConfigParser parser) {
    this(injector, namespaceLabels, parser, MeshMetrics.NONE);
  }

  /** @param metrics told what became of each pod: injected, skipped, or refused (or unreadable) */
  public AdmissionHandler(Supplier<Injector> injector, Function<String, Map<String, String>> namespaceLabels,
                          ConfigParser parser, MeshMetrics metrics) {
    this.metrics = metrics;
    this.injector = injector;
    this.namespaceLabels = namespaceLabels;
    this.parser = parser;
  }

  /**
   * {@code /inject}: a JSON patch that adds the sidecar, or nothing. Whatever the request holds,
   * the answer is an AdmissionReview carrying its uid when one can be read (finding 15).
   */
  public byte[] inject(byte[] body) {
    MeshMetrics.Injection[] outcome = {MeshMetrics.Injection.FAILURE};
    byte[] answer = answer(body, (request, uid) -> injectRequest(request, uid, outcome));
    metrics.injection(outcome[0]);
    return answer;
  }

  /** {@code /validate}: the Istio kinds through Bosun's own validator. */
  public byte[] validate(byte[] body) {
    return answer(body, this::validateRequest);
  }

  /** The body as an AdmissionReview too large to read. */
  public static byte[] tooLarge(int max) {
    return deny("", "malformed AdmissionReview: the request body is over " + (max >> 20) + " MiB");
  }

  @SuppressWarnings("try") // the scope is there to be closed
  private byte[] answer(byte[] body, BiFunction<JsonNode, String, byte[]> handle) {
    JsonNode request;
    try {
      request = request(body);
    } catch (IllegalArgumentException e) {
      return deny(uidOf(body), e.getMessage());
    }
    String uid = request.path("uid").asText("");
    // every line about this review names the object it is about
    try (LogContext.Scope resource = LogContext.resource(request.path("kind").path("kind").asText("object"),
        request.path("namespace").asText(""), objectName(request))) {
      return handle.apply(request, uid);
    } catch (RuntimeException | StackOverflowError e) {
      // user input Bosun did not foresee: refused with the reason, one line in the log
      LOG.warn("AdmissionReview {}: cannot be processed: {}", uid, e.toString());
      LOG.debug("AdmissionReview {}: details", uid, e);
      return deny(uid, "cannot process this request: " + firstLine(String.valueOf(e.getMessage())));
    }
  }

  /** The name of the review's object: its name, else its generateName and {@code *}. */
  private static String objectName(JsonNode request) {
    String name = request.path("name").asText("");
    JsonNode metadata = request.path("object").path("metadata");
    if (name.isEmpty()) {
      name = metadata.path("name").asText("");
    }
    return name.isEmpty() && metadata.hasNonNull("generateName") ? metadata.path("generateName").asText() + "*" : name;
  }

  /** The review's uid if the body is JSON that has one: a denial must echo it to be accepted. */
  private static String uidOf(byte[] body) {
    try {
      return JSON.readTree(body).path("request").path("uid").asText("");
    } catch (Exception | StackOverflowError e) {
      return "";
    }
  }

  /** {@code outcome[0]}: what became of the pod; left at FAILURE when it is refused or cannot be read. */
  private byte[] injectRequest(JsonNode request, String uid, MeshMetrics.Injection[] outcome) {
    if (!"CREATE".equals(request.path("operation").asText()) || !"Pod".equals(request.path("kind").path("kind")
        .asText())) {
      outcome[0] = MeshMetrics.Injection.SKIP;
      return allow(uid, null, List.of());
    }
    JsonNode object = request.get("object");
    String shape = objectShape(object);
    if (shape != null) {
      return deny(uid, shape);
    }
    String namespace = request.path("namespace").asText(object.path("metadata").path("namespace").asText(""));
    for (String list : List.of("containers", "initContainers")) {
      JsonNode items = object.path("spec").path(list);
      for (int i = 0; i < items.size(); i++) {
        if (!items.get(i).isObject()) {
          return deny(uid, "request.object.spec." + list + "[" + i + "]: must be a container, not "
              + items.get(i).getNodeType().toString().toLowerCase(Locale.ROOT));
        }
      }
    }
    Pod pod;
    try {
      pod = SERIALIZATION.convertValue(object, Pod.class);
    } catch (RuntimeException e) {
      return deny(uid, "cannot read the pod: " + firstLine(e.getMessage()));
    }
    if (pod == null || pod.getSpec() == null) {
      return deny(uid, "the request carries no pod spec");
    }
    String who = "Pod " + namespace + "/" + podName(pod);
    InjectionPolicy.Decision d = InjectionPolicy.decide(pod, namespace, namespaceLabels.apply(namespace));
    if (!d.inject()) {
      LOG.debug("{}: not injected: {}", who, d.reason());
      outcome[0] = MeshMetrics.Injection.SKIP;
      return allow(uid, null, List.of());
    }
    try {
      Injection injection = injector.get().apply(pod);
      if (!injection.injected()) {
        LOG.info("{}: not injected: {}", who, String.join("; ", injection.warnings()));
        outcome[0] = MeshMetrics.Injection.SKIP;
        return allow(uid, null, injection.warnings());
      }
      ArrayNode patch = (ArrayNode) JsonDiff.asJson(SERIALIZATION.convertValue(pod, JsonNode.class),
          SERIALIZATION.convertValue(injection.pod(), JsonNode.class));
      LOG.info("{}: injected ({})", who, d.reason());
      outcome[0] = MeshMetrics.Injection.SUCCESS;
      return allow(uid, patch, injection.warnings());
    } catch (IllegalArgumentException e) {
      LOG.warn("{}: refused: {}", who, e.getMessage());
      return deny(uid, who + ": " + e.getMessage());
    }
  }

  private byte[] validateRequest(JsonNode request, String uid) {
    JsonNode object = request.get("object");
    if ("DELETE".equals(request.path("operation").asText()) || object == null || object.isNull()) {
      return allow(uid, null, List.of());
    }
    String shape = objectShape(object);
    if (shape != null) {
      return deny(uid, shape);
    }
    ObjectNode doc = object.deepCopy();
    if (doc.path("metadata").path("namespace").asText("").isEmpty() && !request.path("namespace").asText("")
        .isEmpty()) {
      doc.withObjectProperty("metadata").put("namespace", request.path("namespace").asText());
    }
    Conversion c = parser.convert("admission", doc, "object");
    List<String> errors = c.problems().stream().filter(ConfigError::isError).map(AdmissionHandler::message).toList();
    List<String> warnings = c.problems().stream().filter(p -> !p.isError()).map(AdmissionHandler::message).toList();
    if (!errors.isEmpty()) {
      LOG.info("{}: rejected: {}", c.ref(), String.join("; ", errors));
      return deny(uid, String.join("; ", errors));
    }
    return allow(uid, null, warnings);
  }

  /** Why {@code object} is not a Kubernetes object, or null when it is one. */
  private static String objectShape(JsonNode object) {
    if (object == null || !object.isObject()) {
      return "request.object: must be a Kubernetes object, not "
          + (object == null ? "missing" : object.getNodeType().toString().toLowerCase(Locale.ROOT));
    }
    JsonNode metadata = object.get("metadata");
    if (metadata != null && !metadata.isObject()) {
      return "request.object.metadata: must be an object, not "
          + metadata.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
    JsonNode spec = object.get("spec");
    if (spec != null && !spec.isNull() && !spec.isObject()) {
      return "request.object.spec: must be an object, not "
          + spec.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
    return null;
  }

  /** The review's {@code request}; throws with the reason a review is malformed. */
  private static JsonNode request(byte[] body) {
    JsonNode review;
    try {
      review = JSON.readTree(body);
    } catch (Exception | StackOverflowError e) {
      throw new IllegalArgumentException("malformed AdmissionReview: " + firstLine(String.valueOf(e.getMessage())));
    }
    JsonNode request = review == null ? null : review.get("request");
    if (review == null || !review.isObject()) {
      throw new IllegalArgumentException("malformed AdmissionReview: the body is not a JSON object");
    }
    if (request == null || !request.isObject()) {
      throw new IllegalArgumentException("malformed AdmissionReview: no request object");
    }
    return request;
  }

  /** {@code Kind ns/name: field: problem}, without the source prefix that means nothing to kubectl users. */
  private static String message(ConfigError e) {
    String s = e.toString();
    return s.startsWith("admission: ") ? s.substring("admission: ".length()) : s;
  }

  private static byte[] allow(String uid, ArrayNode patch, List<String> warnings) {
    ObjectNode response = JSON.createObjectNode().put("uid", uid).put("allowed", true);
    if (patch != null && !patch.isEmpty()) {
      response.put("patchType", "JSONPatch");
      response.put("patch", Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
    }
    if (!warnings.isEmpty()) {
      ArrayNode w = response.putArray("warnings");
      warnings.forEach(w::add);
    }
    return review(response);
  }

  private static byte[] deny(String uid, String reason) {
    ObjectNode response = JSON.createObjectNode().put("uid", uid).put("allowed", false);
    response.putObject("status").put("code", 400).put("reason", "BadRequest").put("message", reason);
    return review(response);
  }

  private static byte[] review(ObjectNode response) {
    ObjectNode out = JSON.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    out.set("response", response);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String podName(Pod pod) {
    var m = pod.getMetadata();
    if (m == null) {
      return "";
    }
    return m.getName() != null ? m.getName() : m.getGenerateName() != null ? m.getGenerateName() + "*" : "";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
