package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.istio.api.api.type.v1beta1.PolicyTargetReference;
import io.fabric8.istio.api.api.type.v1beta1.WorkloadSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Istio's value rules shared by the {@code security.istio.io} kinds (istio/istio
 * {@code pkg/config/security/security.go} and {@code pkg/config/validation/validation.go}): selectors,
 * target references, IP blocks, ports, path templates, service accounts, wildcards.
 */
final class SecurityChecks {
  /** A path segment allowed next to a template: RFC 3986 pchar (Istio's {@code validLiteral}). */
  private static final Pattern PATH_LITERAL = Pattern.compile("[a-zA-Z0-9-._~%!$&'()+,;:@=]+");
  /** RFC 7230 token characters: a header name. */
  static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~A-Za-z0-9]+");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** The kinds a targetRef may name (group, kind), as Istio's {@code allowedTargetRefs}. */
  private static final Set<String> TARGET_KINDS = Set.of("core/Service", "networking.istio.io/ServiceEntry",
      "gateway.networking.k8s.io/Gateway", "gateway.networking.k8s.io/GatewayClass");

  private SecurityChecks() {
  }

  /**
   * An enum field as written: one of {@code names} exactly, or its proto number (fabric8 reads an
   * unknown or differently cased name as null, or as another value, without a word).
   */
  static void enumValue(JsonNode raw, boolean known, String field, List<String> names, Problems problems) {
    if (raw == null || raw.isNull() || raw.isMissingNode()) {
      return;
    }
    boolean ok = raw.isTextual() ? names.contains(raw.asText()) : raw.isIntegralNumber() && known;
    if (!ok) {
      problems.error(field, "must be one of " + String.join(", ", names) + ", not "
          + Problems.truncate(raw.toString()));
    }
  }

  /**
   * {@code selector.matchLabels} as Istio's {@code validateWorkloadSelector}: keys not empty, no
   * {@code *} in keys or values; a selector without labels is a warning and selects like no
   * selector. Returns null when the policy is namespace-wide (or mesh-wide in the root namespace).
   */
  static Map<String, String> selector(WorkloadSelector selector, Problems problems) {
    if (selector == null) {
      return null;
    }
    Map<String, String> labels = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
    if (labels.isEmpty()) {
      problems.warning("spec.selector", "a selector without matchLabels selects every workload of the namespace");
      return null;
    }
    labels.forEach((k, v) -> {
      String field = "spec.selector.matchLabels." + k;
      if (k == null || k.isEmpty()) {
        problems.error("spec.selector.matchLabels", "a label key must not be empty");
      } else if (k.contains("*") || v != null && v.contains("*")) {
        problems.error(field, "wildcards are not allowed in a selector");
      } else if (!Checks.labelKey(k)) {
        problems.error(field, "invalid label key");
      } else if (!Checks.labelValue(v)) {
        problems.error(field, "invalid label value \"" + Problems.truncate(String.valueOf(v)) + "\"");
      }
    });
    return labels;
  }

  /**
   * {@code targetRef} / {@code targetRefs} as Istio's {@code validateOneOfSelectorType} and
   * {@code validatePolicyTargetReference}. Returns whether the policy names targets: Bosun does not
   * serve waypoints or Kubernetes Gateways, so such a policy applies to no proxy Bosun configures.
   */
  static boolean targets(boolean selector, PolicyTargetReference targetRef, List<PolicyTargetReference> targetRefs,
                         Problems problems) {
    List<PolicyTargetReference> refs = targetRefs == null ? List.of() : targetRefs;
    int set = (selector ? 1 : 0) + (targetRef != null ? 1 : 0) + (refs.isEmpty() ? 0 : 1);
    if (set > 1) {
      problems.error("spec", "only one of selector, targetRef or targetRefs can be set");
    }
    if (targetRef != null) {
      targetRef(targetRef, "spec.targetRef", problems);
    }
    if (refs.size() > 16) {
      problems.error("spec.targetRefs", "at most 16 targetRefs are allowed, not " + refs.size());
    }
    for (int i = 0; i < refs.size(); i++) {
      targetRef(refs.get(i), "spec.targetRefs[" + i + "]", problems);
    }
    boolean targets = targetRef != null || !refs.isEmpty();
    if (targets) {
      problems.warning(targetRef != null ? "spec.targetRef" : "spec.targetRefs", "policies attached to Services, "
          + "ServiceEntries or Kubernetes Gateways (waypoints, gateways) are not supported by this Bosun release: "
          + "this policy applies to no workload");
    }
    return targets;
  }

  private static void targetRef(PolicyTargetReference ref, String field, Problems problems) {
    if (ref == null) {
      problems.error(field, "a target reference is required here");
      return;
    }
    if (ref.getName() == null || ref.getName().isEmpty()) {
      problems.error(field + ".name", "name is required");
    }
    if (ref.getNamespace() != null && !ref.getNamespace().isEmpty()) {
      problems.error(field + ".namespace", "must not be set: cross-namespace references are not supported");
    }
    String group = ref.getGroup() == null || ref.getGroup().isEmpty() ? "core" : ref.getGroup();
    if (!TARGET_KINDS.contains(group + "/" + ref.getKind())) {
      problems.error(field, "must name a Service, a ServiceEntry (networking.istio.io), or a Gateway or "
          + "GatewayClass (gateway.networking.k8s.io), not " + Problems.truncate(group + "/" + ref.getKind()));
    }
  }

  /**
   * No value of a list may be empty (Istio's {@code CheckEmptyValues}); returns the list without nulls
   * (reported), never null.
   */
  static List<String> values(List<String> values, String field, Problems problems) {
    List<String> list = values == null ? List.of() : values;
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null || list.get(i).isEmpty()) {
        problems.error(field + "[" + i + "]", "must not be empty");
      }
    }
    return list.stream().filter(Objects::nonNull).toList();
  }

  /**
   * Istio matches these values exactly, by prefix ({@code abc*}), by suffix ({@code *abc}) or by
   * presence ({@code *}); a {@code *} anywhere else is an ordinary character. Istio accepts such a
   * value, so Bosun does too, with a warning, since it is rarely what was meant.
   */
  static void wildcards(List<String> values, String field, Problems problems) {
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v == null || !v.contains("*") || v.equals("*") || isPathTemplate(v)) {
        continue; // a path template's own rules apply
      }
      String inner = v.substring(1, v.length() - 1);
      boolean edge = v.startsWith("*") != v.endsWith("*");
      if (!edge || inner.contains("*")) {
        problems.warning(field + "[" + i + "]", "\"" + Problems.truncate(v) + "\": '*' is a wildcard only alone, "
            + "as the first or as the last character; elsewhere it matches a literal '*'");
      }
    }
  }

  /** IP addresses or CIDR blocks, IPv4 or IPv6 (Istio's {@code ValidateIPs}). */
  static void ipBlocks(List<String> values, String field, Problems problems) {
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v != null && !v.isEmpty() && !ipOrCidr(v)) {
        problems.error(field + "[" + i + "]", "\"" + Problems.truncate(v) + "\" is not an IP address or a CIDR block");
      }
    }
  }

  /** Port numbers 0-65535 as decimal text (Istio's {@code ValidatePorts}). */
  static void ports(List<String> values, String field, Problems problems) {
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v != null && !v.isEmpty() && !port(v)) {
        problems.error(field + "[" + i + "]", "\"" + Problems.truncate(v) + "\" is not a port number 0-65535");
      }
    }
  }

  static boolean port(String v) {
    return v.matches("[0-9]{1,10}") && Long.parseLong(v) <= 65535;
  }

  /**
   * Path templates as Istio's {@code CheckValidPathTemplate}: {@code {*}} matches one segment,
   * {@code {**}} any number and only last; no other braces; next to a template every segment is
   * a literal of RFC 3986 path characters.
   */
  static void pathTemplates(List<String> values, String field, Problems problems) {
    for (int i = 0; i < values.size(); i++) {
      String problem = pathTemplateProblem(values.get(i));
      if (problem != null) {
        problems.error(field + "[" + i + "]", "\"" + Problems.truncate(values.get(i)) + "\": " + problem);
      }
    }
  }

  static boolean isPathTemplate(String path) {
    return path.contains("{*}") || path.contains("{**}");
  }

  private static String pathTemplateProblem(String path) {
    if (path == null || path.isEmpty()) {
      return null;
    }
    boolean template = isPathTemplate(path);
    int from = 0;
    int to = path.length();
    while (from < to && path.charAt(from) == '/') {
      from++;
    }
    while (to > from && path.charAt(to - 1) == '/') {
      to--;
    }
    boolean anySeen = false;
    for (String segment : path.substring(from, to).split("/", -1)) {
      if (segment.equals("{*}") || segment.equals("{**}")) {
        if (anySeen) {
          return "{**} must be the last operator of a path template";
        }
        anySeen = segment.equals("{**}");
        continue;
      }
      if (segment.contains("{") || segment.contains("}")) {
        return "'{' and '}' are allowed only in the templates {*} and {**}";
      }
      if (template && !PATH_LITERAL.matcher(segment).matches()) {
        return "segment \"" + Problems.truncate(segment) + "\" of a path template must be a non-empty literal of "
            + "letters, digits and -._~%!$&'()+,;:@=";
      }
    }
    return null;
  }

  /**
   * {@code serviceAccounts}: {@code name} or {@code namespace/name}, no wildcards, at most 320
   * characters, at most 16 (Istio's {@code CheckServiceAccount}).
   */
  static void serviceAccounts(List<String> values, String field, Problems problems) {
    if (values.size() > 16) {
      problems.error(field, "at most 16 service accounts are allowed, not " + values.size());
    }
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      if (v == null || v.isEmpty()) {
        continue; // reported as empty
      }
      String f = field + "[" + i + "]";
      int slash = v.indexOf('/');
      if (v.contains("*")) {
        problems.error(f, "wildcards are not allowed in a service account");
      } else if (v.length() > 320) {
        problems.error(f, "a service account must be at most 320 characters");
      } else if (slash != v.lastIndexOf('/') || slash == 0 || slash == v.length() - 1) {
        problems.error(f, "must be serviceAccount or namespace/serviceAccount, not \"" + Problems.truncate(v) + "\"");
      }
    }
  }

  /**
   * A service account as the principals that carry it: {@code sa} (the policy's namespace) or
   * {@code ns/sa} becomes {@code *}{@code /ns/<ns>/sa/<sa>}, which every trust domain's SPIFFE id of that
   * account ends with.
   */
  static List<String> serviceAccountPrincipals(List<String> accounts, String namespace) {
    List<String> out = new ArrayList<>();
    for (String a : accounts) {
      if (a.isEmpty()) {
        continue; // reported
      }
      int slash = a.indexOf('/');
      String ns = slash < 0 ? namespace : a.substring(0, slash);
      out.add("*/ns/" + ns + "/sa/" + a.substring(slash + 1));
    }
    return out;
  }

  /** A service for an extension provider: a host name or IP, or {@code namespace/hostname}. */
  static boolean extensionService(String service) {
    int slash = service.indexOf('/');
    if (slash < 0) {
      return fqdn(service) || ipv4(service) || ipv6(service);
    }
    String ns = service.substring(0, slash);
    String host = service.substring(slash + 1);
    String bareNs = ns.startsWith("~") ? ns.substring(1) : ns;
    boolean nsOk = bareNs.equals("*") || bareNs.equals(".") || DNS_LABEL.matcher(bareNs).matches();
    return nsOk && !host.isEmpty() && !host.contains("/") && (host.equals("*") || fqdn(host.startsWith("*.")
        ? host.substring(2) : host));
  }

  /** {@code ValidateFQDN}, in lower case as Bosun has always required of extension services. */
  private static boolean fqdn(String name) {
    return name.equals(name.toLowerCase(Locale.ROOT)) && HostNames.fqdn(name);
  }

  /** An IPv4 or IPv6 address, or a CIDR block of one (Go's {@code netip.ParseAddr} / {@code ParsePrefix}). */
  static boolean ipOrCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return ipv4(s) || ipv6(s);
    }
    String addr = s.substring(0, slash);
    String bits = s.substring(slash + 1);
    if (!bits.matches("0|[1-9][0-9]{0,2}")) {
      return false;
    }
    int n = Integer.parseInt(bits);
    return ipv4(addr) ? n <= 32 : ipv6(addr) && n <= 128;
  }

  static boolean ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (!p.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** IPv6 text: eight groups of 1-4 hex digits, one {@code ::} for a run of zeros, optionally IPv4 last. */
  static boolean ipv6(String s) {
    if (s.length() < 2 || !s.contains(":")) {
      return false;
    }
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return false;
    }
    String head = gap >= 0 ? s.substring(0, gap) : s;
    String tail = gap >= 0 ? s.substring(gap + 2) : "";
    int headGroups = groups(head, gap < 0);
    int tailGroups = groups(tail, true);
    if (headGroups < 0 || tailGroups < 0) {
      return false;
    }
    return gap >= 0 ? headGroups + tailGroups <= 7 : headGroups == 8;
  }

  /** The number of 16-bit groups in {@code part}, -1 if invalid; an IPv4 address may end it if {@code last}. */
  private static int groups(String part, boolean last) {
    if (part.isEmpty()) {
      return 0;
    }
    String[] fields = part.split(":", -1);
    int n = 0;
    for (int i = 0; i < fields.length; i++) {
      String f = fields[i];
      if (last && i == fields.length - 1 && f.contains(".")) {
        if (!ipv4(f)) {
          return -1;
        }
        n += 2;
      } else if (f.matches("[0-9A-Fa-f]{1,4}")) {
        n++;
      } else {
        return -1;
      }
    }
    return n;
  }
}
