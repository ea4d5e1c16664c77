package io.bosun.config;

import static io.bosun.config.SecurityChecks.values;
import static io.bosun.config.VirtualServiceConverter.list;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.model.AuthorizationPolicy;
import io.bosun.model.AuthorizationPolicy.Action;
import io.bosun.model.Ignored;
import io.bosun.model.ResourceRef;
import io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicyProvider;
import io.fabric8.istio.api.api.security.v1beta1.Condition;
import io.fabric8.istio.api.api.security.v1beta1.Operation;
import io.fabric8.istio.api.api.security.v1beta1.Rule;
import io.fabric8.istio.api.api.security.v1beta1.RuleFrom;
import io.fabric8.istio.api.api.security.v1beta1.RuleTo;
import io.fabric8.istio.api.api.security.v1beta1.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Validates an AuthorizationPolicy spec as Istio's {@code ValidateAuthorizationPolicy} does, and
 * turns it into the model. {@code serviceAccounts} become the principals that carry them.
 * A {@code when} key Istio accepts but Bosun cannot apply fails closed, as Istio does for a rule it
 * cannot build: an ALLOW rule is dropped (it never matches), any other rule loses the condition
 * (it matches more).
 */
final class AuthorizationPolicyConverter {
  /** Istio's annotation for a policy that is evaluated and logged but not enforced. */
  static final String DRY_RUN = "istio.io/dry-run";

  private AuthorizationPolicyConverter() {
  }

  /**
   * @param raw    the spec as written: tells an empty {@code from}/{@code to} list from an absent one
   * @param dryRun the {@value #DRY_RUN} annotation, or null
   */
  static Conversion convert(ResourceRef ref, String source,
                            io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy spec, JsonNode raw,
                            String dryRun) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    Map<String, String> selector = SecurityChecks.selector(spec.getSelector(), problems);
    boolean targets = SecurityChecks.targets(spec.getSelector() != null, spec.getTargetRef(), spec.getTargetRefs(),
        problems);
    Action action = spec.getAction() == null ? Action.ALLOW : Action.valueOf(spec.getAction().name());
    SecurityChecks.enumValue(raw == null ? null : raw.get("action"), spec.getAction() != null, "spec.action",
        List.of("ALLOW", "DENY", "AUDIT", "CUSTOM"), problems);
    List<Rule> rules = list(spec.getRules());
    String provider = provider(spec, action, rules, problems);
    boolean dryRunOn = dryRun(dryRun, action, problems);

    List<AuthorizationPolicy.Rule> out = new ArrayList<>();
    JsonNode rawRules = raw == null ? null : raw.get("rules");
    for (int i = 0; i < rules.size(); i++) {
      JsonNode rawRule = rawRules != null && rawRules.isArray() ? rawRules.get(i) : null;
      AuthorizationPolicy.Rule r = rule(rules.get(i), "spec.rules[" + i + "]", rawRule, action, ref, problems);
      if (r != null) {
        out.add(r);
      }
    }
    if (targets || dryRunOn) {
      return new Conversion(source, ref, problems.hasErrors() ? null : new Ignored(ref), problems.all());
    }
    return Conversion.of(ref, new AuthorizationPolicy(ref, selector, action, provider, out), problems);
  }

  private static String provider(io.fabric8.istio.api.api.security.v1beta1.AuthorizationPolicy spec, Action action,
                                 List<Rule> rules, Problems problems) {
    AuthorizationPolicyProvider detail = spec.getActionDetail() instanceof AuthorizationPolicyProvider p ? p : null;
    String name = detail == null || detail.getProvider() == null ? null : detail.getProvider().getName();
    if (detail != null && action != Action.CUSTOM) {
      problems.error("spec.provider", "only a CUSTOM policy may name a provider, not " + action);
    }
    if ((action == Action.DENY || action == Action.CUSTOM) && rules.isEmpty()) {
      problems.error("spec.rules", action + " without rules never applies: add an empty rule {} to apply it to "
          + "every request");
    }
    if (action == Action.CUSTOM && (name == null || name.isEmpty())) {
      problems.error("spec.provider.name", "a CUSTOM policy needs the name of an extension provider");
    }
    return name;
  }

  /** Istio accepts the annotation on ALLOW and DENY only; Bosun enforces no dry-run policy. */
  private static boolean dryRun(String value, Action action, Problems problems) {
    if (value == null) {
      return false;
    }
    String field = "metadata.annotations." + DRY_RUN;
    if (action != Action.ALLOW && action != Action.DENY) {
      problems.error(field, "only ALLOW and DENY policies may be dry-run, not " + action);
      return false;
    }
    Boolean on = switch (value) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> null;
    };
    if (on == null) {
      problems.error(field, "must be true or false, not \"" + Problems.truncate(value) + "\"");
      return false;
    }
    if (on) {
      problems.warning(field, "dry-run policies are not supported by this Bosun release: this policy is neither "
          + "enforced nor logged");
    }
    return on;
  }

  private static AuthorizationPolicy.Rule rule(Rule rule, String field, JsonNode raw, Action action, ResourceRef ref,
                                               Problems problems) {
    if (rule == null) {
      problems.error(field, "a rule is required here (an empty rule {} matches every request)");
      return null;
    }
    if (list(rule.getFrom()).isEmpty() && present(raw, "from")) {
      problems.error(field + ".from", "must not be empty when it is set");
    }
    if (list(rule.getTo()).isEmpty() && present(raw, "to")) {
      problems.error(field + ".to", "must not be empty when it is set");
    }
    List<AuthorizationPolicy.Source> from = new ArrayList<>();
    boolean l4From = false;
    for (int j = 0; j < list(rule.getFrom()).size(); j++) {
      RuleFrom f = rule.getFrom().get(j);
      String sf = field + ".from[" + j + "].source";
      if (f == null || f.getSource() == null) {
        problems.error(sf, "a source is required");
        continue;
      }
      l4From |= l4(f.getSource());
      from.add(source(f.getSource(), sf, action, ref, problems));
    }
    List<AuthorizationPolicy.Operation> to = new ArrayList<>();
    boolean l4To = false;
    for (int j = 0; j < list(rule.getTo()).size(); j++) {
      RuleTo t = rule.getTo().get(j);
      String of = field + ".to[" + j + "].operation";
      if (t == null || t.getOperation() == null) {
        problems.error(of, "an operation is required");
        continue;
      }
      l4To |= !list(t.getOperation().getPorts()).isEmpty() || !list(t.getOperation().getNotPorts()).isEmpty();
      to.add(operation(t.getOperation(), of, problems));
    }
    if (action == Action.DENY && (!from.isEmpty() && to.isEmpty() && !l4From || !to.isEmpty() && !l4To)) {
      problems.warning(field, "a DENY rule with only HTTP attributes denies all traffic to the TCP ports it covers; "
          + "name the ports (to.operation.ports) to limit it");
    }
    List<AuthorizationPolicy.Condition> when = new ArrayList<>();
    boolean keep = true;
    for (int j = 0; j < list(rule.getWhen()).size(); j++) {
      Condition c = rule.getWhen().get(j);
      String cf = field + ".when[" + j + "]";
      if (c == null) {
        problems.error(cf, "a condition is required here");
        continue;
      }
      AuthorizationPolicy.Condition converted = Conditions.convert(c, cf, action, ref.namespace(), problems);
      if (converted != null) {
        when.add(converted);
      } else if (Conditions.unsupported(c.getKey())) {
        keep &= action != Action.ALLOW;
      }
    }
    return keep ? new AuthorizationPolicy.Rule(from, to, when) : null;
  }

  private static boolean present(JsonNode raw, String key) {
    return raw != null && raw.has(key) && !raw.get(key).isNull();
  }

  /** Whether the source names something a TCP connection has (Istio's {@code tcpRulesInFrom}). */
  private static boolean l4(Source s) {
    return !list(s.getPrincipals()).isEmpty() || !list(s.getNotPrincipals()).isEmpty()
        || !list(s.getNamespaces()).isEmpty() || !list(s.getNotNamespaces()).isEmpty()
        || !list(s.getIpBlocks()).isEmpty() || !list(s.getNotIpBlocks()).isEmpty()
        || !list(s.getRemoteIpBlocks()).isEmpty() || !list(s.getNotRemoteIpBlocks()).isEmpty()
        || !list(s.getServiceAccounts()).isEmpty() || !list(s.getNotServiceAccounts()).isEmpty();
  }

  private static AuthorizationPolicy.Source source(Source s, String field, Action action, ResourceRef ref,
                                                   Problems problems) {
    List<String> principals = values(s.getPrincipals(), field + ".principals", problems);
    List<String> notPrincipals = values(s.getNotPrincipals(), field + ".notPrincipals", problems);
    List<String> requestPrincipals = values(s.getRequestPrincipals(), field + ".requestPrincipals", problems);
    List<String> notRequestPrincipals = values(s.getNotRequestPrincipals(), field + ".notRequestPrincipals",
        problems);
    List<String> namespaces = values(s.getNamespaces(), field + ".namespaces", problems);
    List<String> notNamespaces = values(s.getNotNamespaces(), field + ".notNamespaces", problems);
    List<String> ipBlocks = values(s.getIpBlocks(), field + ".ipBlocks", problems);
    List<String> notIpBlocks = values(s.getNotIpBlocks(), field + ".notIpBlocks", problems);
    List<String> remoteIpBlocks = values(s.getRemoteIpBlocks(), field + ".remoteIpBlocks", problems);
    List<String> notRemoteIpBlocks = values(s.getNotRemoteIpBlocks(), field + ".notRemoteIpBlocks", problems);
    List<String> accounts = values(s.getServiceAccounts(), field + ".serviceAccounts", problems);
    List<String> notAccounts = values(s.getNotServiceAccounts(), field + ".notServiceAccounts", problems);
    if (principals.isEmpty() && notPrincipals.isEmpty() && requestPrincipals.isEmpty()
        && notRequestPrincipals.isEmpty() && namespaces.isEmpty() && notNamespaces.isEmpty() && ipBlocks.isEmpty()
        && notIpBlocks.isEmpty() && remoteIpBlocks.isEmpty() && notRemoteIpBlocks.isEmpty() && accounts.isEmpty()
        && notAccounts.isEmpty()) {
      problems.error(field, "at least one field must be set");
    }
    if (!(accounts.isEmpty() && notAccounts.isEmpty())
        && !(principals.isEmpty() && notPrincipals.isEmpty() && namespaces.isEmpty() && notNamespaces.isEmpty())) {
      problems.error(field, "serviceAccounts cannot be set together with namespaces or principals");
    }
    if (action == Action.CUSTOM) {
      custom(principals, field + ".principals", problems);
      custom(notPrincipals, field + ".notPrincipals", problems);
      custom(requestPrincipals, field + ".requestPrincipals", problems);
      custom(notRequestPrincipals, field + ".notRequestPrincipals", problems);
      custom(namespaces, field + ".namespaces", problems);
      custom(notNamespaces, field + ".notNamespaces", problems);
      custom(accounts, field + ".serviceAccounts", problems);
      custom(notAccounts, field + ".notServiceAccounts", problems);
    }
    SecurityChecks.ipBlocks(ipBlocks, field + ".ipBlocks", problems);
    SecurityChecks.ipBlocks(notIpBlocks, field + ".notIpBlocks", problems);
    SecurityChecks.ipBlocks(remoteIpBlocks, field + ".remoteIpBlocks", problems);
    SecurityChecks.ipBlocks(notRemoteIpBlocks, field + ".notRemoteIpBlocks", problems);
    SecurityChecks.serviceAccounts(accounts, field + ".serviceAccounts", problems);
    SecurityChecks.serviceAccounts(notAccounts, field + ".notServiceAccounts", problems);
    SecurityChecks.wildcards(principals, field + ".principals", problems);
    SecurityChecks.wildcards(notPrincipals, field + ".notPrincipals", problems);
    SecurityChecks.wildcards(requestPrincipals, field + ".requestPrincipals", problems);
    SecurityChecks.wildcards(notRequestPrincipals, field + ".notRequestPrincipals", problems);
    List<String> allPrincipals = new ArrayList<>(principals);
    allPrincipals.addAll(SecurityChecks.serviceAccountPrincipals(accounts, ref.namespace()));
    List<String> allNotPrincipals = new ArrayList<>(notPrincipals);
    allNotPrincipals.addAll(SecurityChecks.serviceAccountPrincipals(notAccounts, ref.namespace()));
    return new AuthorizationPolicy.Source(allPrincipals, allNotPrincipals, requestPrincipals, notRequestPrincipals,
        namespaces, notNamespaces, ipBlocks, notIpBlocks, remoteIpBlocks, notRemoteIpBlocks);
  }

  private static void custom(List<String> values, String field, Problems problems) {
    if (!values.isEmpty()) {
      problems.error(field, "not supported with action CUSTOM");
    }
  }

  private static AuthorizationPolicy.Operation operation(Operation o, String field, Problems problems) {
    List<String> hosts = values(o.getHosts(), field + ".hosts", problems);
    List<String> notHosts = values(o.getNotHosts(), field + ".notHosts", problems);
    List<String> ports = values(o.getPorts(), field + ".ports", problems);
    List<String> notPorts = values(o.getNotPorts(), field + ".notPorts", problems);
    List<String> methods = values(o.getMethods(), field + ".methods", problems);
    List<String> notMethods = values(o.getNotMethods(), field + ".notMethods", problems);
    List<String> paths = values(o.getPaths(), field + ".paths", problems);
    List<String> notPaths = values(o.getNotPaths(), field + ".notPaths", problems);
    if (hosts.isEmpty() && notHosts.isEmpty() && ports.isEmpty() && notPorts.isEmpty() && methods.isEmpty()
        && notMethods.isEmpty() && paths.isEmpty() && notPaths.isEmpty()) {
      problems.error(field, "at least one field must be set");
    }
    SecurityChecks.ports(ports, field + ".ports", problems);
    SecurityChecks.ports(notPorts, field + ".notPorts", problems);
    SecurityChecks.pathTemplates(paths, field + ".paths", problems);
    SecurityChecks.pathTemplates(notPaths, field + ".notPaths", problems);
    SecurityChecks.wildcards(hosts, field + ".hosts", problems);
    SecurityChecks.wildcards(notHosts, field + ".notHosts", problems);
    SecurityChecks.wildcards(methods, field + ".methods", problems);
    SecurityChecks.wildcards(notMethods, field + ".notMethods", problems);
    SecurityChecks.wildcards(paths, field + ".paths", problems);
    SecurityChecks.wildcards(notPaths, field + ".notPaths", problems);
    return new AuthorizationPolicy.Operation(hosts, notHosts, ports, notPorts, methods, notMethods, paths, notPaths);
  }
}
