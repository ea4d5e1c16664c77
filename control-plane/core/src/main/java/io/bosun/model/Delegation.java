package io.bosun.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Flattens Istio's delegate VirtualServices. A root rule that names a delegate is replaced by
 * the delegate's rules, in order: each keeps only the part of its match that lies within the
 * root rule's match (a rule reaching outside it is dropped), and any action it leaves unset
 * (timeout, retries, rewrite, fault, mirrors, CORS, headers) comes from the root rule. One
 * level only: a delegate's own delegate rules are never followed. Pure and deterministic.
 */
public final class Delegation {
  private Delegation() {
  }

  /** Why part of a root routes nothing; {@code field} is a path in the root's spec. */
  public record Note(String field, String message) {
  }

  /** The routes to serve in place of {@code root.http()}, and what was dropped from them. */
  public record Result(List<HttpRoute> routes, List<Note> notes) {
    public Result {
      routes = List.copyOf(routes);
      notes = List.copyOf(notes);
    }
  }

  /** A lookup by reference over the given VirtualServices (built once per snapshot or proxy). */
  public static Function<ResourceRef, VirtualService> lookup(List<VirtualService> all) {
    Map<ResourceRef, VirtualService> byRef = new HashMap<>();
    all.forEach(vs -> byRef.put(vs.ref(), vs));
    return byRef::get;
  }

  /**
   * The mesh's VirtualServices as translation sees them: roots with their delegate rules
   * flattened, delegates left out (they serve only through a root).
   */
  public static List<VirtualService> flatten(List<VirtualService> all) {
    Function<ResourceRef, VirtualService> lookup = lookup(all);
    List<VirtualService> out = new ArrayList<>();
    for (VirtualService vs : all) {
      if (!vs.isDelegate()) {
        out.add(new VirtualService(vs.ref(), vs.hosts(), vs.gateways(), flatten(vs, lookup).routes(), vs.tcp(),
            vs.tls(), vs.exportTo()));
      }
    }
    return out;
  }

  public static Result flatten(VirtualService root, Function<ResourceRef, VirtualService> lookup) {
    if (root.http().stream().noneMatch(r -> r.delegate() != null)) {
      return new Result(root.http(), List.of());
    }
    List<HttpRoute> out = new ArrayList<>();
    List<Note> notes = new ArrayList<>();
    for (int i = 0; i < root.http().size(); i++) {
      HttpRoute rule = root.http().get(i);
      if (rule.delegate() == null) {
        out.add(rule);
        continue;
      }
      String field = "spec.http[" + i + "]";
      VirtualService delegate = lookup.apply(rule.delegate());
      if (root.isDelegate()) {
        notes.add(new Note(field + ".delegate", "a delegate cannot delegate again; this rule routes nothing"));
      } else if (delegate == null) {
        notes.add(new Note(field + ".delegate", rule.delegate() + " not found; this rule routes nothing"));
      } else if (!delegate.isDelegate()) {
        notes.add(new Note(field + ".delegate", rule.delegate()
            + " has hosts, so it is not a delegate; this rule routes nothing"));
      } else {
        for (int j = 0; j < delegate.http().size(); j++) {
          HttpRoute sub = delegate.http().get(j);
          HttpRoute merged = sub.delegate() == null ? merge(rule, sub) : null;
          if (merged != null) {
            out.add(merged);
          } else {
            notes.add(new Note(field + ".match", rule.delegate() + " spec.http[" + j + "]"
                + (sub.delegate() != null ? " delegates again" : " matches outside this rule's match")
                + "; that rule is ignored"));
          }
        }
      }
    }
    return new Result(out, notes);
  }

  /** The delegate's rule under the root's: the delegate's actions win where it sets them. */
  static HttpRoute merge(HttpRoute root, HttpRoute sub) {
    List<HttpMatch> matches = mergeMatches(root.matches(), sub.matches());
    if (matches == null) {
      return null;
    }
    return new HttpRoute(join(root.name(), sub.name()), matches, sub.route(),
        or(sub.timeout(), root.timeout()), or(sub.retries(), root.retries()), sub.redirect(),
        or(sub.rewrite(), root.rewrite()), sub.directResponse(),
        sub.headers().equals(RouteActions.Headers.NONE) ? root.headers() : sub.headers(),
        or(sub.fault(), root.fault()), sub.mirrors().isEmpty() ? root.mirrors() : sub.mirrors(),
        or(sub.cors(), root.cors()), null);
  }

  /**
   * Every delegate match is paired with each root match it lies within; null when some delegate
   * match lies within none (Istio then drops the whole delegate rule).
   */
  static List<HttpMatch> mergeMatches(List<HttpMatch> root, List<HttpMatch> sub) {
    if (root.isEmpty()) {
      return sub;
    }
    if (sub.isEmpty()) {
      return root;
    }
    List<HttpMatch> out = new ArrayList<>();
    for (HttpMatch leaf : sub) {
      boolean within = false;
      for (HttpMatch r : root) {
        if (!conflicts(r, leaf)) {
          out.add(merge(r, leaf));
          within = true;
        }
      }
      if (!within) {
        return null;
      }
    }
    return out;
  }

  private static HttpMatch merge(HttpMatch root, HttpMatch leaf) {
    return new HttpMatch(join(root.name(), leaf.name()), or(leaf.uri(), root.uri()),
        union(root.headers(), leaf.headers()), or(leaf.method(), root.method()),
        or(leaf.authority(), root.authority()), or(leaf.scheme(), root.scheme()),
        union(root.queryParams(), leaf.queryParams()), union(root.withoutHeaders(), leaf.withoutHeaders()),
        leaf.ignoreUriCase(), leaf.port() != 0 ? leaf.port() : root.port(),
        union(root.sourceLabels(), leaf.sourceLabels()),
        leaf.sourceNamespace().isEmpty() ? root.sourceNamespace() : leaf.sourceNamespace(),
        leaf.gateways().isEmpty() ? root.gateways() : leaf.gateways());
  }

  /** True unless {@code leaf} is known to lie within {@code root}; only such pairs are merged. */
  static boolean conflicts(HttpMatch root, HttpMatch leaf) {
    if (conflicts(root.uri(), leaf.uri()) || conflicts(root.scheme(), leaf.scheme())
        || conflicts(root.method(), leaf.method()) || conflicts(root.authority(), leaf.authority())
        || conflicts(root.headers(), leaf.headers()) || conflicts(root.withoutHeaders(), leaf.withoutHeaders())
        || conflicts(root.queryParams(), leaf.queryParams())) {
      return true;
    }
    if (root.ignoreUriCase() != leaf.ignoreUriCase()) {
      return true;
    }
    if (root.port() != 0 && leaf.port() != 0 && root.port() != leaf.port()) {
      return true;
    }
    if (!root.sourceNamespace().isEmpty() && !root.sourceNamespace().equals(leaf.sourceNamespace())) {
      return true;
    }
    for (Map.Entry<String, String> l : leaf.sourceLabels().entrySet()) {
      String v = root.sourceLabels().get(l.getKey());
      if (v != null && !v.equals(l.getValue())) {
        return true;
      }
    }
    return !root.gateways().isEmpty() && !leaf.gateways().isEmpty() && !root.gateways().containsAll(leaf.gateways());
  }

  private static boolean conflicts(Map<String, StringMatch> root, Map<String, StringMatch> leaf) {
    return leaf.entrySet().stream().anyMatch(e -> conflicts(root.get(e.getKey()), e.getValue()));
  }

  /**
   * Only literal narrowing is recognised, as in Istio: a prefix within a prefix, an exact value
   * within a prefix or equal to an exact one. Regexes and presence matches never nest.
   */
  static boolean conflicts(StringMatch root, StringMatch leaf) {
    if (root == null || leaf == null) {
      return false;
    }
    if (root.type() == StringMatch.Type.REGEX || leaf.type() == StringMatch.Type.REGEX
        || root.value().isEmpty() || leaf.value().isEmpty()) {
      return true;
    }
    if (root.type() == StringMatch.Type.EXACT) {
      return leaf.type() != StringMatch.Type.EXACT || !leaf.value().equals(root.value());
    }
    return !leaf.value().startsWith(root.value());
  }

  private static <K, V> Map<K, V> union(Map<K, V> root, Map<K, V> leaf) {
    Map<K, V> out = new LinkedHashMap<>(root);
    out.putAll(leaf);
    return out;
  }

  private static String join(String root, String leaf) {
    if (leaf == null || leaf.isEmpty()) {
      return root;
    }
    return root == null || root.isEmpty() ? leaf : root + "-" + leaf;
  }

  private static <T> T or(T preferred, T fallback) {
    return preferred != null ? preferred : fallback;
  }
}
