package io.bosun.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bosun.model.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Field checks shared by the converters. */
final class Checks {
  private Checks() {
  }

  /** A spec must be present, and every field in it known: a misspelt field is an error, not a no-op. */
  static boolean spec(Object spec, Problems problems) {
    if (spec == null) {
      problems.error("spec", "spec is required");
      return false;
    }
    UnknownFields.check(spec, "spec", problems);
    return true;
  }

  /** Kubernetes label key: optional DNS prefix and a name of at most 63 characters. */
  static boolean labelKey(String key) {
    return key != null && key.matches("([a-zA-Z0-9]([-a-zA-Z0-9.]{0,251}[a-zA-Z0-9])?/)?"
        + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  }

  /** Kubernetes label keys and values, as Istio's {@code labels.Instance.Validate}. */
  static void labels(Map<String, String> labels, String field, Problems problems) {
    new TreeMap<>(labels == null ? Map.<String, String>of() : labels).forEach((key, value) -> {
      if (!labelKey(key)) {
        problems.error(field + "." + key, "invalid label key");
      } else if (!labelValue(value)) {
        problems.error(field + "." + key, "invalid label value \"" + value + "\"");
      }
    });
  }

  static boolean labelValue(String value) {
    return value != null && value.matches("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
  }

  static boolean port(Long number, String field, Problems problems) {
    if (number == null) {
      problems.error(field, "port number is required");
      return false;
    }
    if (number < 1 || number > 65535) {
      problems.error(field, "port number " + number + " is out of range 1-65535");
      return false;
    }
    return true;
  }

  /** Envoy compiles regexes with RE2; re2j accepts the same syntax, so a bad one never reaches Envoy. */
  static boolean regex(String regex, String field, Problems problems) {
    if (regex.isEmpty()) {
      problems.error(field, "regular expression must not be empty");
      return false;
    }
    String shown = Problems.truncate(regex);
    String limit = RegexLimits.problem(regex);
    if (limit != null) {
      problems.error(field, "regular expression \"" + shown + "\" " + limit);
      return false;
    }
    try {
      int size = RegexComplexity.estimate(Pattern.compile(regex));
      if (size > RegexComplexity.ENVOY_MAX_PROGRAM_SIZE) {
        problems.error(field, "regular expression \"" + shown + "\" is too complex for Envoy: its RE2 program size"
            + " is about " + size + ", over Envoy's limit of " + RegexComplexity.ENVOY_MAX_PROGRAM_SIZE);
        return false;
      }
      return true;
    } catch (PatternSyntaxException e) {
      problems.error(field, "invalid RE2 regular expression \"" + shown + "\": "
          + Problems.truncate(e.getDescription()));
      return false;
    } catch (StackOverflowError e) {
      // the bounds above should make this impossible; if a regex still gets here, refuse it alone
      problems.error(field, "regular expression \"" + shown + "\" is too deeply nested to compile");
      return false;
    }
  }

  static StringMatch stringMatch(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch m, String field,
                                 Problems problems) {
    if (m == null || m.getMatchType() == null) {
      problems.error(field, "one of exact, prefix or regex is required");
      return null;
    }
    Object t = m.getMatchType();
    if (t instanceof StringMatchExact e) {
      return e.getExact() == null ? missing(field + ".exact", problems) : StringMatch.exact(e.getExact());
    }
    if (t instanceof StringMatchPrefix p) {
      return p.getPrefix() == null ? missing(field + ".prefix", problems) : StringMatch.prefix(p.getPrefix());
    }
    if (t instanceof StringMatchRegex r) {
      if (r.getRegex() == null) {
        return missing(field + ".regex", problems);
      }
      return regex(r.getRegex(), field + ".regex", problems) ? StringMatch.regex(r.getRegex()) : null;
    }
    problems.error(field, "unsupported match type " + t.getClass().getSimpleName());
    return null;
  }

  private static StringMatch missing(String field, Problems problems) {
    problems.error(field, "value is required");
    return null;
  }

  /**
   * exportTo as Istio's {@code validateExportTo}: {@code .}, {@code *} or namespace names, no duplicates
   * ({@code .} counts as {@code namespace}), {@code *} alone; {@code ~} (exported nowhere), alone, only
   * where {@code nowhere} allows it (services and ServiceEntries).
   */
  static List<String> exportTo(List<String> values, String field, String namespace, boolean nowhere,
                               Problems problems) {
    List<String> out = new ArrayList<>();
    if (values == null) {
      return out;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      String f = field + "[" + i + "]";
      boolean ok = v != null && (v.equals(".") || v.equals("*") || v.equals("~") && nowhere || HostNames.label(v));
      if (!ok) {
        problems.error(f, v != null && v.equals("~") ? "\"~\" (exported nowhere) is only allowed for services"
            : "must be \".\", \"*\"" + (nowhere ? ", \"~\"" : "") + " or a namespace name, not \"" + v + "\"");
      } else if (!seen.add(v.equals(".") ? namespace : v)) {
        problems.error(f, "duplicate entry \"" + v + "\"" + (v.equals(".") || v.equals(namespace)
            ? " (\".\" is the namespace " + namespace + ")" : ""));
      } else {
        out.add(v);
      }
    }
    if (values.size() > 1 && out.contains("*")) {
      problems.error(field, "\"*\" (exported everywhere) cannot be combined with other values");
    }
    if (values.size() > 1 && out.contains("~")) {
      problems.error(field, "\"~\" (exported nowhere) cannot be combined with other values");
    }
    return out;
  }

  /**
   * A workloadSelector's labels as Istio's {@code ValidateAlphaWorkloadSelector}: no empty key, no
   * {@code *}; without labels it selects every workload of the namespace (a warning). Never null.
   */
  static Map<String, String> workloadSelector(Map<String, String> labels, String field, Problems problems) {
    Map<String, String> selector = labels == null ? Map.of() : labels;
    if (selector.isEmpty()) {
      problems.warning(field, "a workloadSelector without labels selects every workload of the namespace");
    }
    new TreeMap<>(selector).forEach((k, v) -> {
      if (k.isEmpty()) {
        problems.error(field, "a label key must not be empty");
      } else if (k.contains("*") || v != null && v.contains("*")) {
        problems.error(field + "." + k, "wildcards are not allowed in a selector");
      } else if (v != null && v.length() > 63) {
        problems.error(field + "." + k, "a label value must be at most 63 characters");
      }
    });
    return selector;
  }

  static void unsupported(Object value, String field, Problems problems) {
    boolean empty = value == null
        || value instanceof Collection<?> c && c.isEmpty()
        || value instanceof Map<?, ?> m && m.isEmpty();
    if (!empty) {
      problems.warning(field, "not supported by this Bosun release yet; ignored");
    }
  }
}
