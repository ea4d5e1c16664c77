package io.bosun.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Delegate VirtualServices, flattened as Istio does before translation: a root's
 * {@code http[].delegate} is replaced by the delegate's routes, each matching only what both the
 * root rule and the delegate rule match. A delegate route whose match contradicts the root's
 * (e.g. a URI outside the root's prefix) is dropped. Delegates (VirtualServices without hosts)
 * serve only through a root.
 */
public final class Delegation {
  private Delegation() {
  }

  public static List<VirtualService> flatten(List<VirtualService> all) {
    Map<ResourceRef, VirtualService> delegates = new HashMap<>();
    for (VirtualService vs : all) {
      if (vs.hosts().isEmpty()) {
        delegates.put(vs.ref(), vs);
      }
    }
    List<VirtualService> out = new ArrayList<>();
    for (VirtualService vs : all) {
      if (vs.hosts().isEmpty()) {
        continue;
      }
      if (vs.http().stream().noneMatch(r -> r.delegate() != null)) {
        out.add(vs);
        continue;
      }
      List<HttpRoute> http = new ArrayList<>();
      for (HttpRoute r : vs.http()) {
        if (r.delegate() == null) {
          http.add(r);
          continue;
        }
        VirtualService d = delegates.get(r.delegate());
        if (d == null) {
          continue; // a missing delegate contributes no routes
        }
        for (HttpRoute dr : d.http()) {
          List<HttpMatch> merged = merge(r.matches(), dr.matches());
          if (merged != null && dr.delegate() == null) {
            http.add(dr.withMatches(merged));
          }
        }
      }
      out.add(new VirtualService(vs.ref(), vs.hosts(), vs.gateways(), http, vs.tcp(), vs.tls(), vs.exportTo()));
    }
    return out;
  }

  /** Every root match ANDed with every delegate match; null when none of the pairs can match. */
  static List<HttpMatch> merge(List<HttpMatch> root, List<HttpMatch> delegate) {
    if (root.isEmpty()) {
      return delegate;
    }
    if (delegate.isEmpty()) {
      return root;
    }
    List<HttpMatch> out = new ArrayList<>();
    for (HttpMatch r : root) {
      for (HttpMatch d : delegate) {
        HttpMatch m = and(r, d);
        if (m != null) {
          out.add(m);
        }
      }
    }
    return out.isEmpty() ? null : out;
  }

  private static final Object CONFLICT = new Object();

  private static HttpMatch and(HttpMatch r, HttpMatch d) {
    Object uri = uri(r.uri(), d.uri());
    Object method = same(r.method(), d.method());
    Object authority = same(r.authority(), d.authority());
    Object scheme = same(r.scheme(), d.scheme());
    Object ns = same(blankToNull(r.sourceNamespace()), blankToNull(d.sourceNamespace()));
    Map<String, StringMatch> headers = union(r.headers(), d.headers());
    Map<String, StringMatch> query = union(r.queryParams(), d.queryParams());
    Map<String, StringMatch> without = union(r.withoutHeaders(), d.withoutHeaders());
    Map<String, String> labels = union(r.sourceLabels(), d.sourceLabels());
    if (uri == CONFLICT || method == CONFLICT || authority == CONFLICT || scheme == CONFLICT || ns == CONFLICT
        || headers == null || query == null || without == null || labels == null
        || r.port() != 0 && d.port() != 0 && r.port() != d.port()) {
      return null;
    }
    return new HttpMatch(r.name() != null && !r.name().isEmpty() ? r.name() : d.name(), (StringMatch) uri, headers,
        (StringMatch) method, (StringMatch) authority, (StringMatch) scheme, query, without,
        r.ignoreUriCase() || d.ignoreUriCase(), d.port() != 0 ? d.port() : r.port(), labels, (String) ns,
        d.gateways().isEmpty() ? r.gateways() : d.gateways());
  }

  /** The delegate's URI must lie within the root's: a longer prefix, or an exact path under it. */
  private static Object uri(StringMatch root, StringMatch delegate) {
    if (root == null || delegate == null) {
      return root == null ? delegate : root;
    }
    if (root.equals(delegate)) {
      return delegate;
    }
    if (root.type() == StringMatch.Type.PREFIX && delegate.type() != StringMatch.Type.REGEX
        && delegate.value().startsWith(root.value())) {
      return delegate;
    }
    return CONFLICT;
  }

  private static Object same(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return Objects.equals(a, b) ? a : CONFLICT;
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static <V> Map<String, V> union(Map<String, V> a, Map<String, V> b) {
    Map<String, V> out = new TreeMap<>(a);
    for (Map.Entry<String, V> e : b.entrySet()) {
      V prev = out.putIfAbsent(e.getKey(), e.getValue());
      if (prev != null && !prev.equals(e.getValue())) {
        return null;
      }
    }
    return out;
  }
}
