package io.bosun.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigStore;
import io.bosun.logging.LogContext;
import io.bosun.model.ResourceRef;
import io.fabric8.istio.api.api.meta.v1alpha1.IstioCondition;
import io.fabric8.istio.api.api.meta.v1alpha1.IstioStatus;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.Gateway;
import io.fabric8.istio.api.networking.v1.ServiceEntry;
import io.fabric8.istio.api.networking.v1.Sidecar;
import io.fabric8.istio.api.networking.v1.VirtualService;
import io.fabric8.istio.api.networking.v1.WorkloadEntry;
import io.fabric8.istio.api.networking.v1.WorkloadGroup;
import io.fabric8.istio.api.security.v1.AuthorizationPolicy;
import io.fabric8.istio.api.security.v1.PeerAuthentication;
import io.fabric8.istio.api.security.v1.RequestAuthentication;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink of the store: writes {@code status.conditions[type=Reconciled]} on every Istio resource
 * whose meaning changed, and a Warning Event when one becomes invalid. Only the leader writes.
 * Writes are server-side applies as field manager {@code bosun}: Bosun owns its one condition and
 * {@code status.observedGeneration}, other controllers' conditions are left alone, and the
 * condition's {@code lastTransitionTime} moves only when its status does.
 */
public final class StatusWriter {
  public static final String CONDITION = "Reconciled";
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The condition Bosun wants a resource to carry. */
  record Desired(String status, String reason, String message, long generation) {
  }

  public static final String FIELD_MANAGER = "bosun";

  private final KubernetesClient client;
  private final Function<ResourceRef, Optional<HasMetadata>> objects;
  private final ConfigStore store;
  private final BooleanSupplier leader;

  /** {@code objects}: the API object behind a store entry, as the informers last saw it. */
  public StatusWriter(KubernetesClient client, Function<ResourceRef, Optional<HasMetadata>> objects, ConfigStore store,
                      BooleanSupplier leader) {
    this.client = client;
    this.objects = objects;
    this.store = store;
    this.leader = leader;
  }

  /** Brings every Istio resource's status up to date; cheap when nothing changed. */
  public void sync() {
    if (!leader.getAsBoolean()) {
      return;
    }
    for (ConfigStore.Entry entry : store.entries()) {
      if (entry.ref().kind().istio()) {
        objects.apply(entry.ref()).ifPresent(obj -> update(entry, obj));
      }
    }
  }

  @SuppressWarnings("try") // the scope is there to be closed
  private void update(ConfigStore.Entry entry, HasMetadata obj) {
    try (LogContext.Scope resource = LogContext.resource(entry.ref())) {
      write(entry, obj);
    }
  }

  private void write(ConfigStore.Entry entry, HasMetadata obj) {
    long generation = obj.getMetadata().getGeneration() == null ? 0 : obj.getMetadata().getGeneration();
    Desired desired = desired(entry, generation);
    IstioCondition current = current(obj);
    if (current != null && desired.status().equals(current.getStatus()) && desired.reason().equals(current.getReason())
        && desired.message().equals(Objects.toString(current.getMessage(), ""))
        && Long.valueOf(generation).equals(current.getObservedGeneration())) {
      return;
    }
    ResourceRef ref = entry.ref();
    try {
      apply(obj, desired, current);
      LOG.info("{}: status {}={} ({}) for generation {}", ref, CONDITION, desired.status(), desired.reason(),
          generation);
      boolean newlyInvalid = desired.status().equals("False")
          && (current == null || !"False".equals(current.getStatus())
          || !Long.valueOf(generation).equals(current.getObservedGeneration()));
      if (newlyInvalid) {
        warn(obj, desired.message());
      }
    } catch (KubernetesClientException e) {
      // The next change or resync retries; status is best effort and never blocks serving.
      LOG.warn("{}: cannot write status: {}", ref, e.getMessage());
    }
  }

  static Desired desired(ConfigStore.Entry entry, long generation) {
    if (entry.latestValid()) {
      List<ConfigError> warnings = entry.problems();
      String message = warnings.isEmpty() ? "" : lines(warnings);
      return new Desired("True", "Accepted", message, generation);
    }
    String message = lines(entry.problems().stream().filter(ConfigError::isError).toList());
    if (entry.serving() != null) {
      message = message + " (the last valid version keeps serving)";
    }
    return new Desired("False", "Invalid", message, generation);
  }

  /** {@code field: problem; field: problem}, without the file/kind prefix the object already implies. */
  private static String lines(List<ConfigError> problems) {
    return problems.stream()
        .map(p -> (p.field() == null || p.field().isEmpty() ? "" : p.field() + ": ") + p.message())
        .collect(Collectors.joining("; "));
  }

  private static IstioCondition current(HasMetadata obj) {
    List<IstioCondition> conditions = conditions(obj);
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> CONDITION.equals(c.getType())).findFirst().orElse(null);
  }

  private static List<IstioCondition> conditions(HasMetadata obj) {
    if (obj instanceof ServiceEntry s) {
      return s.getStatus() == null ? null : s.getStatus().getConditions();
    }
    IstioStatus status = null;
    if (obj instanceof VirtualService v) {
      status = v.getStatus();
    } else if (obj instanceof DestinationRule d) {
      status = d.getStatus();
    } else if (obj instanceof Gateway g) {
      status = g.getStatus();
    } else if (obj instanceof Sidecar sc) {
      status = sc.getStatus();
    } else if (obj instanceof PeerAuthentication pa) {
      status = pa.getStatus();
    } else if (obj instanceof AuthorizationPolicy ap) {
      status = ap.getStatus();
    } else if (obj instanceof RequestAuthentication ra) {
      status = ra.getStatus();
    } else if (obj instanceof WorkloadEntry we) {
      status = we.getStatus();
    } else if (obj instanceof WorkloadGroup wg) {
      status = wg.getStatus();
    }
    return status == null ? null : status.getConditions();
  }

  private void apply(HasMetadata obj, Desired desired, IstioCondition current) {
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", CONDITION);
    condition.put("status", desired.status());
    condition.put("reason", desired.reason());
    condition.put("message", desired.message());
    condition.put("observedGeneration", desired.generation());
    // the time the status last changed, not the time of the last write
    String since = current != null && desired.status().equals(current.getStatus())
        && current.getLastTransitionTime() != null ? current.getLastTransitionTime()
        : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    condition.put("lastTransitionTime", since);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", obj.getApiVersion());
    body.put("kind", obj.getKind());
    body.put("metadata", Map.of("name", obj.getMetadata().getName(), "namespace", obj.getMetadata().getNamespace()));
    body.put("status", Map.of("conditions", List.of(condition), "observedGeneration", desired.generation()));
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    client.resources(obj.getClass()).inNamespace(obj.getMetadata().getNamespace())
        .withName(obj.getMetadata().getName())
        .subresource("status")
        .patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER)
            .withForce(true).build(), json);
  }

  private void warn(HasMetadata obj, String message) {
    String ns = obj.getMetadata().getNamespace();
    Instant now = Instant.now();
    try {
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
          .withNewMetadata()
          .withGenerateName(obj.getMetadata().getName() + ".")
          .withNamespace(ns)
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(obj.getApiVersion())
              .withKind(obj.getKind())
              .withNamespace(ns)
              .withName(obj.getMetadata().getName())
              .withUid(obj.getMetadata().getUid())
              .withResourceVersion(obj.getMetadata().getResourceVersion())
              .build())
          .withType("Warning")
          .withReason("Invalid")
          .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
          .withNewSource().withComponent("bosun").endSource()
          .withReportingComponent("bosun")
          .withFirstTimestamp(now.toString())
          .withLastTimestamp(now.toString())
          .withCount(1)
          .build()).create();
    } catch (KubernetesClientException e) {
      LOG.warn("{} {}/{}: cannot record Warning event: {}", obj.getKind(), ns, obj.getMetadata().getName(),
          e.getMessage());
    }
  }
}
