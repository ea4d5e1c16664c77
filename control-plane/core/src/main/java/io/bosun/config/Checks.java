package io.bosun.config;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bosun.model.StringMatch;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchExact;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchPrefix;
import io.fabric8.istio.api.api.networking.v1alpha3.StringMatchRegex;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

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
    return key != null
        && key.matches("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
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

  /** exportTo: {@code .}, {@code *}, {@code ~} (alone) or namespace names. */
  static List<String> exportTo(List<String> values, String field, Problems problems) {
    List<String> out = new ArrayList<>();
    if (values == null) {
      return out;
    }
    for (int i = 0; i < values.size(); i++) {
      String v = values.get(i);
      boolean ok = v != null && (v.equals(".") || v.equals("*") || v.equals("~")
          || v.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"));
      if (!ok) {
        problems.error(field + "[" + i + "]", "must be \".\", \"*\", \"~\" or a namespace name, not \"" + v + "\"");
      } else {
        out.add(v);
      }
    }
    if (out.contains("~") && values.size() > 1) {
      problems.error(field, "\"~\" (exported nowhere) cannot be combined with other values");
    }
    return out;
  }

  /** A workloadSelector's labels: at least one, each a valid key and value; never null. */
  static Map<String, String> workloadSelector(Map<String, String> labels, String field, Problems problems) {
    Map<String, String> selector = labels == null ? Map.of() : labels;
    if (selector.isEmpty()) {
      problems.error(field, "at least one label is required");
    }
    selector.forEach((k, v) -> {
      if (!labelKey(k)) {
        problems.error(field + "." + k, "invalid label key");
      } else if (!labelValue(v)) {
        problems.error(field + "." + k, "invalid label value \"" + v + "\"");
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
