package io.bosun.config;

import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.AuthorizationPolicy.Action;
import io.fabric8.istio.api.api.security.v1beta1.Condition;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An AuthorizationPolicy {@code when} condition: its key checked as Istio's
 * {@code security.ValidateAttribute}, its values as the attribute requires.
 */
final class Conditions {
  private static final String HEADERS = "request.headers";
  private static final String CLAIMS = "request.auth.claims";
  private static final String EXPERIMENTAL = "experimental.envoy.filters.";
  /** Keys Bosun applies as they are (besides {@code request.headers[..]} and {@code request.auth.claims[..]}). */
  private static final Set<String> PLAIN = Set.of("source.ip", "remote.ip", "source.namespace", "source.principal",
      "request.auth.principal", "request.auth.audiences", "request.auth.presenter", "destination.ip",
      "destination.port", "connection.sni");
  private static final Set<String> IPS = Set.of("source.ip", "remote.ip", "destination.ip");
  /** Istio rejects these in a CUSTOM policy, and every {@code request.auth.*} key. */
  private static final Set<String> NOT_CUSTOM = Set.of("source.namespace", "source.serviceAccount",
      "source.trustDomain", "source.principal");
  private static final Pattern CLAIM_PATH = Pattern.compile("(\\[[^\\[\\]]+])+");

  private Conditions() {
  }

  /** Whether Istio accepts the key but Bosun cannot apply it. */
  static boolean unsupported(String key) {
    return key != null && (key.equals("source.trustDomain") || key.startsWith(EXPERIMENTAL));
  }

  /**
   * The condition as the model holds it ({@code source.serviceAccount} as {@code source.principal}),
   * or null when it is invalid (reported) or one Bosun cannot apply (reported as a warning).
   */
  static AuthorizationPolicy.Condition convert(Condition c, String field, Action action, String namespace,
                                               Problems problems) {
    String key = c.getKey();
    if (key == null || key.isEmpty()) {
      problems.error(field + ".key", "key is required");
      return null;
    }
    List<String> values = SecurityChecks.values(c.getValues(), field + ".values", problems);
    List<String> notValues = SecurityChecks.values(c.getNotValues(), field + ".notValues", problems);
    if (values.isEmpty() && notValues.isEmpty()) {
      problems.error(field, "at least one of values or notValues is required for key " + Problems.truncate(key));
      return null;
    }
    String problem = keyProblem(key);
    if (problem != null) {
      problems.error(field + ".key", problem);
      return null;
    }
    if (action == Action.CUSTOM && (NOT_CUSTOM.contains(key) || key.startsWith("request.auth."))) {
      problems.error(field + ".key", key + " is not supported with action CUSTOM");
      return null;
    }
    boolean ok = check(key, values, field + ".values", problems) & check(key, notValues, field + ".notValues",
        problems);
    if (!ok) {
      return null;
    }
    if (unsupported(key)) {
      problems.warning(field + ".key", Problems.truncate(key) + " is not supported by this Bosun release: "
          + (action == Action.ALLOW ? "this ALLOW rule never matches" : "the condition is left out, so this "
          + action + " rule matches more requests"));
      return null;
    }
    if (key.equals("source.serviceAccount")) {
      return new AuthorizationPolicy.Condition("source.principal",
          SecurityChecks.serviceAccountPrincipals(values, namespace),
          SecurityChecks.serviceAccountPrincipals(notValues, namespace));
    }
    return new AuthorizationPolicy.Condition(key, values, notValues);
  }

  /** Why Istio refuses the key, or null. */
  private static String keyProblem(String key) {
    if (key.startsWith(HEADERS)) {
      String name = bracketed(key.substring(HEADERS.length()));
      if (name == null) {
        return "must be request.headers[<name>], not " + Problems.truncate(key);
      }
      // pseudo-headers (:authority, :method, :path) are headers to Envoy too
      return SecurityChecks.HEADER_NAME.matcher(name.startsWith(":") ? name.substring(1) : name).matches() ? null
          : "\"" + Problems.truncate(name) + "\" is not a valid header name";
    }
    if (key.startsWith(CLAIMS)) {
      return CLAIM_PATH.matcher(key.substring(CLAIMS.length())).matches() ? null
          : "must be request.auth.claims[<claim>] (nested claims: [<claim>][<claim>]), not " + Problems.truncate(key);
    }
    if (key.startsWith(EXPERIMENTAL)) {
      return bracketed(key.substring(key.indexOf('[') < 0 ? key.length() : key.indexOf('['))) == null
          ? "must be " + EXPERIMENTAL + "<filter>[<key>], not " + Problems.truncate(key) : null;
    }
    if (PLAIN.contains(key) || key.equals("source.serviceAccount") || key.equals("source.trustDomain")) {
      return null;
    }
    if (key.equals("destination.namespace")) {
      return "destination.namespace is replaced by the policy's metadata.namespace";
    }
    if (key.startsWith("destination.labels")) {
      return "destination.labels is replaced by the policy's selector";
    }
    if (key.equals("destination.name") || key.equals("destination.user")) {
      return key + " is deprecated: only supported in v1alpha1";
    }
    return "unknown attribute " + Problems.truncate(key);
  }

  /** {@code [x]} to {@code x}; null if it is not one non-empty bracketed name. */
  private static String bracketed(String s) {
    if (s.length() < 3 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') {
      return null;
    }
    return s.substring(1, s.length() - 1);
  }

  private static boolean check(String key, List<String> values, String field, Problems problems) {
    boolean before = problems.hasErrors();
    if (IPS.contains(key)) {
      SecurityChecks.ipBlocks(values, field, problems);
    } else if (key.equals("destination.port")) {
      SecurityChecks.ports(values, field, problems);
    } else if (key.equals("source.serviceAccount")) {
      SecurityChecks.serviceAccounts(values, field, problems);
    } else if (key.equals("source.trustDomain")) {
      trustDomains(values, field, problems);
    } else if (!key.equals("source.namespace")) {
      // source.namespace: every '*' is a wildcard there
      SecurityChecks.wildcards(values, field, problems);
    }
    return before || !problems.hasErrors();
  }

  /** Istio's {@code CheckWildcardValues}: at most one {@code *}, only first or last. */
  private static void trustDomains(List<String> values, String field, Problems problems) {
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v.isEmpty()) {
        continue; // reported
      }
      long stars = v.chars().filter(ch -> ch == '*').count();
      if (stars > 1 || stars == 1 && !v.equals("*") && !v.startsWith("*") && !v.endsWith("*")) {
        problems.error(field + "[" + i + "]", "a trust domain may have one '*', as its first or last character");
      }
    }
  }
}
