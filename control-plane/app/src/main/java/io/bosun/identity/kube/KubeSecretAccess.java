package io.bosun.identity.kube;

import io.bosun.identity.SecretAccess;
import io.bosun.xds.auth.Identity;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes RBAC decides: a SubjectAccessReview asks whether
 * {@code system:serviceaccount:<ns>:<sa>} may {@code list} {@code secrets} in {@code <ns>} (what
 * istiod asks). Answers are kept a minute, or five when allowed; {@link #recheck} re-asks, so a
 * revoked role stops the Secrets at the next push. An API server that cannot answer means no.
 */
public final class KubeSecretAccess implements SecretAccess {
  private static final Logger LOG = LoggerFactory.getLogger(KubeSecretAccess.class);
  private static final Duration DENIED_FOR = Duration.ofMinutes(1);
  private static final Duration ALLOWED_FOR = Duration.ofMinutes(5);

  private record Decision(boolean allowed, Instant until) {
  }

  private final Predicate<Identity> review;
  private final Clock clock;
  private final Map<String, Decision> decisions = new ConcurrentHashMap<>();

  public KubeSecretAccess(KubernetesClient client) {
    this(id -> {
      SubjectAccessReview r = new SubjectAccessReviewBuilder().withNewSpec()
          .withUser("system:serviceaccount:" + id.namespace() + ":" + id.serviceAccount())
          .withGroups(List.of("system:serviceaccounts", "system:serviceaccounts:" + id.namespace(),
              "system:authenticated"))
          .withNewResourceAttributes().withNamespace(id.namespace()).withVerb("list").withResource("secrets")
          .endResourceAttributes().endSpec().build();
      SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(r);
      return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }, Clock.systemUTC());
  }

  public KubeSecretAccess(Predicate<Identity> review, Clock clock) {
    this.review = review;
    this.clock = clock;
  }

  @Override
  public boolean allowed(String spiffeId) {
    Optional<Identity> id = Identity.fromSpiffe(spiffeId);
    if (id.isEmpty()) {
      return false;
    }
    Decision d = decisions.get(spiffeId);
    if (d == null || !clock.instant().isBefore(d.until())) {
      d = ask(id.get());
      decisions.put(spiffeId, d);
    }
    return d.allowed();
  }

  @Override
  public Set<String> recheck(Set<String> inUse) {
    decisions.keySet().retainAll(inUse);
    Set<String> changed = new HashSet<>();
    for (Map.Entry<String, Decision> e : decisions.entrySet()) {
      Decision next = ask(Identity.fromSpiffe(e.getKey()).orElseThrow());
      if (next.allowed() != e.getValue().allowed()) {
        LOG.info("{}: may {} read its namespace's Secrets", e.getKey(), next.allowed() ? "now" : "no longer");
        changed.add(e.getKey());
      }
      e.setValue(next);
    }
    return changed;
  }

  private Decision ask(Identity id) {
    try {
      boolean allowed = review.test(id);
      return new Decision(allowed, clock.instant().plus(allowed ? ALLOWED_FOR : DENIED_FOR));
    } catch (RuntimeException e) {
      LOG.warn("{}: cannot review its access to Secrets ({}); refusing for now", id.spiffeId(), e.toString());
      return new Decision(false, clock.instant().plus(Duration.ofSeconds(10)));
    }
  }
}
