package io.bosun.config;

import io.bosun.model.Destination;
import io.bosun.model.Hosts;
import io.bosun.model.HttpMatch;
import io.bosun.model.HttpRoute;
import io.bosun.model.Kind;
import io.bosun.model.L4Route;
import io.bosun.model.ResourceRef;
import io.bosun.model.RouteActions;
import io.bosun.model.RouteDestination;
import io.bosun.model.StringMatch;
import io.bosun.model.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPMatchRequest;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Validates a VirtualService spec and turns it into the model. */
final class VirtualServiceConverter {
  private VirtualServiceConverter() {
  }

  static Conversion convert(ResourceRef ref, String source,
      io.fabric8.istio.api.api.networking.v1alpha3.VirtualService spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    String ns = ref.namespace();

    List<String> gateways = new ArrayList<>();
    for (int i = 0; i < list(spec.getGateways()).size(); i++) {
      String g = spec.getGateways().get(i);
      if (g == null || g.isBlank()) {
        problems.error("spec.gateways[" + i + "]", "gateway name must not be empty");
      } else {
        gateways.add(qualifyGateway(g, ns));
      }
    }
    boolean bindsMesh = gateways.isEmpty() || gateways.contains(VirtualService.MESH);

    List<String> hosts = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    // no hosts: a delegate, usable only through a root VirtualService's http[].delegate
    boolean isDelegate = list(spec.getHosts()).isEmpty();
    if (isDelegate && !list(spec.getGateways()).isEmpty()) {
      problems.error("spec.gateways", "a delegate VirtualService (no hosts) cannot have gateways");
    }
    if (isDelegate && (!list(spec.getTcp()).isEmpty() || !list(spec.getTls()).isEmpty())) {
      problems.error("spec", "a delegate VirtualService (no hosts) can only have http routes");
    }
    if (isDelegate) {
      for (int i = 0; i < list(spec.getHttp()).size(); i++) {
        if (spec.getHttp().get(i) != null && spec.getHttp().get(i).getDelegate() != null) {
          problems.error("spec.http[" + i + "].delegate", "a delegate VirtualService cannot delegate again");
        }
      }
    }
    for (int i = 0; i < list(spec.getHosts()).size(); i++) {
      String h = spec.getHosts().get(i);
      String field = "spec.hosts[" + i + "]";
      if (h == null || !Hosts.isValidName(h)) {
        problems.error(field, "invalid host \"" + h + "\"");
        continue;
      }
      if (h.equals("*") && bindsMesh) {
        problems.error(field, "wildcard host * is not allowed for a VirtualService bound to the mesh");
      }
      String fqdn = Hosts.resolve(h, ns);
      if (!seen.add(fqdn)) {
        problems.error(field, "duplicate host " + h);
      }
      hosts.add(fqdn);
    }

    if (list(spec.getHttp()).isEmpty() && list(spec.getTcp()).isEmpty() && list(spec.getTls()).isEmpty()) {
      problems.error("spec", "http, tcp or tls must be provided");
    }
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", problems);

    List<HttpRoute> http = new ArrayList<>();
    for (int i = 0; i < list(spec.getHttp()).size(); i++) {
      HttpRoute r = httpRoute(spec.getHttp().get(i), "spec.http[" + i + "]", ns, problems);
      if (r != null) {
        http.add(r);
      }
    }
    List<L4Route> tcp = L4RouteConverter.tcp(spec.getTcp(), ns, problems);
    List<L4Route> tls = L4RouteConverter.tls(spec.getTls(), hosts, ns, problems);
    return Conversion.of(ref, new VirtualService(ref, hosts, gateways, http, tcp, tls, exportTo), problems);
  }

  /** Largest directResponse body; route tables raise Envoy's 4 KiB default to fit what they carry. */
  static final int MAX_BODY_BYTES = 1 << 20;

  /** {@code name} -> {@code ns/name}; the legacy {@code name.ns.svc.cluster.local} form -> {@code ns/name}. */
  static String qualifyGateway(String g, String namespace) {
    if (g.equals(VirtualService.MESH) || g.contains("/")) {
      return g;
    }
    if (g.contains(".")) {
      String[] parts = g.split("\\.");
      return parts[1] + "/" + parts[0];
    }
    return namespace + "/" + g;
  }

  private static HttpRoute httpRoute(HTTPRoute r, String field,
                                     String ns, Problems problems) {
    if (r == null) {
      problems.error(field, "route must not be empty");
      return null;
    }
    boolean hasRoute = !list(r.getRoute()).isEmpty();
    if (!hasRoute && r.getRedirect() == null && r.getDirectResponse() == null && r.getDelegate() == null) {
      problems.error(field, "one of route, redirect, directResponse or delegate is required");
    }
    if (hasRoute && r.getRedirect() != null) {
      problems.error(field, "route and redirect cannot both be set");
    }
    if (hasRoute && r.getDirectResponse() != null) {
      problems.error(field, "route and directResponse cannot both be set");
    }
    if (r.getDirectResponse() != null) {
      RouteActions.DirectResponse d = RouteActionsConverter.directResponse(r.getDirectResponse());
      if (d.status() < 200 || d.status() > 599) {
        problems.error(field + ".directResponse.status", "status must be between 200 and 599");
      }
      if (d.body() != null && d.body().getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
        problems.error(field + ".directResponse.body", "body must be at most " + MAX_BODY_BYTES + " bytes");
      }
    }
    ResourceRef delegate = null;
    if (r.getDelegate() != null) {
      if (hasRoute || r.getRedirect() != null || r.getDirectResponse() != null) {
        problems.error(field + ".delegate", "cannot be combined with route, redirect or directResponse");
      }
      String name = r.getDelegate().getName();
      if (name == null || !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
        problems.error(field + ".delegate.name", "a VirtualService name is required");
      } else {
        String dns = r.getDelegate().getNamespace() == null || r.getDelegate().getNamespace().isEmpty() ? ns
            : r.getDelegate().getNamespace();
        delegate = new ResourceRef(Kind.VIRTUAL_SERVICE, dns, name);
      }
    }
    PolicyChecks.timeout(r.getTimeout(), field + ".timeout", problems);
    PolicyChecks.retries(r.getRetries(), field + ".retries", problems);
    PolicyChecks.fault(r.getFault(), field + ".fault", problems);
    PolicyChecks.redirect(r.getRedirect(), field + ".redirect", problems);
    PolicyChecks.rewrite(r.getRewrite(), field + ".rewrite", problems);
    PolicyChecks.cors(r.getCorsPolicy(), field + ".corsPolicy", problems);
    PolicyChecks.headers(r.getHeaders(), field + ".headers", problems);
    PolicyChecks.percent(r.getMirrorPercentage(), field + ".mirrorPercentage.value", problems);
    List<RouteActions.Mirror> mirrors = new ArrayList<>();
    if (r.getMirror() != null) {
      Destination d = destination(r.getMirror(), field + ".mirror", ns, problems);
      double pct = r.getMirrorPercentage() != null && r.getMirrorPercentage().getValue() != null
          ? r.getMirrorPercentage().getValue() : r.getMirrorPercent() != null ? r.getMirrorPercent() : 100;
      if (d != null) {
        mirrors.add(new RouteActions.Mirror(d, pct));
      }
    }
    var mirrorList = list(r.getMirrors());
    for (int i = 0; i < mirrorList.size(); i++) {
      var m = mirrorList.get(i);
      String mf = field + ".mirrors[" + i + "]";
      if (m == null || m.getDestination() == null) {
        problems.error(mf + ".destination", "destination is required");
        continue;
      }
      PolicyChecks.percent(m.getPercentage(), mf + ".percentage.value", problems);
      Destination d = destination(m.getDestination(), mf + ".destination", ns, problems);
      if (d != null) {
        mirrors.add(new RouteActions.Mirror(d, m.getPercentage() != null && m.getPercentage().getValue() != null
            ? m.getPercentage().getValue() : 100));
      }
    }
    if (r.getCorsPolicy() != null) {
      var origins = list(r.getCorsPolicy().getAllowOrigins());
      for (int i = 0; i < origins.size(); i++) {
        Checks.stringMatch(origins.get(i), field + ".corsPolicy.allowOrigins[" + i + "]", problems);
      }
    }

    List<HttpMatch> matches = new ArrayList<>();
    for (int j = 0; j < list(r.getMatch()).size(); j++) {
      HttpMatch m = match(r.getMatch().get(j), field + ".match[" + j + "]", ns, problems);
      if (m != null) {
        matches.add(m);
      }
    }

    List<RouteDestination> dests = new ArrayList<>();
    long total = 0;
    List<HTTPRouteDestination> route = list(r.getRoute());
    for (int j = 0; j < route.size(); j++) {
      String df = field + ".route[" + j + "]";
      HTTPRouteDestination d = route.get(j);
      if (d == null || d.getDestination() == null) {
        problems.error(df + ".destination", "destination is required");
        continue;
      }
      PolicyChecks.headers(d.getHeaders(), df + ".headers", problems);
      int weight = d.getWeight() == null ? (route.size() == 1 ? 100 : 0) : d.getWeight();
      if (weight < 0) {
        problems.error(df + ".weight", "weight must not be negative");
        continue;
      }
      total += weight;
      Destination dest = destination(d.getDestination(), df + ".destination", ns, problems);
      if (dest != null) {
        dests.add(new RouteDestination(dest, route.size() == 1 ? 100 : weight,
            RouteActionsConverter.headers(d.getHeaders())));
      }
    }
    if (route.size() > 1 && total <= 0) {
      problems.error(field + ".route", "total weight of the destinations must be greater than 0");
    }
    return new HttpRoute(r.getName(), matches, dests, RouteActionsConverter.timeout(r.getTimeout()),
        RouteActionsConverter.retries(r.getRetries()), RouteActionsConverter.redirect(r.getRedirect()),
        RouteActionsConverter.rewrite(r.getRewrite()), RouteActionsConverter.directResponse(r.getDirectResponse()),
        RouteActionsConverter.headers(r.getHeaders()), RouteActionsConverter.fault(r.getFault()), mirrors,
        RouteActionsConverter.cors(r.getCorsPolicy(), m -> Checks.stringMatch(m, "", new Problems(null, null))),
        delegate);
  }

  static Destination destination(io.fabric8.istio.api.api.networking.v1alpha3.Destination d, String field, String ns,
                                 Problems problems) {
    if (d.getHost() == null || d.getHost().isBlank()) {
      problems.error(field + ".host", "host is required");
      return null;
    }
    if (!Hosts.isValidName(d.getHost()) || d.getHost().contains("*")) {
      problems.error(field + ".host", "invalid host \"" + d.getHost() + "\"");
      return null;
    }
    int port = 0;
    if (d.getPort() != null && d.getPort().getNumber() != null) {
      if (!Checks.port(d.getPort().getNumber(), field + ".port.number", problems)) {
        return null;
      }
      port = d.getPort().getNumber().intValue();
    }
    return new Destination(Hosts.resolve(d.getHost(), ns), d.getSubset(), port);
  }

  private static HttpMatch match(HTTPMatchRequest m, String field, String ns, Problems problems) {
    if (m == null) {
      return new HttpMatch("", null, Map.of());
    }
    int port = 0;
    if (m.getPort() != null && Checks.port(m.getPort(), field + ".port", problems)) {
      port = m.getPort().intValue();
    }
    new TreeMap<>(m.getSourceLabels() == null ? Map.<String, String>of() : m.getSourceLabels()).forEach((k, v) -> {
      if (!Checks.labelKey(k)) {
        problems.error(field + ".sourceLabels." + k, "invalid label key");
      }
    });
    List<String> gateways = new ArrayList<>();
    for (String g : list(m.getGateways())) {
      gateways.add(qualifyGateway(g, ns));
    }
    StringMatch uri = m.getUri() == null ? null : Checks.stringMatch(m.getUri(), field + ".uri", problems);
    return new HttpMatch(m.getName(), uri, headerMatches(m.getHeaders(), field + ".headers", problems),
        optional(m.getMethod(), field + ".method", problems),
        optional(m.getAuthority(), field + ".authority", problems),
        optional(m.getScheme(), field + ".scheme", problems),
        headerMatches(m.getQueryParams(), field + ".queryParams", problems),
        headerMatches(m.getWithoutHeaders(), field + ".withoutHeaders", problems),
        Boolean.TRUE.equals(m.getIgnoreUriCase()), port, m.getSourceLabels(), m.getSourceNamespace(), gateways);
  }

  private static StringMatch optional(io.fabric8.istio.api.api.networking.v1alpha3.StringMatch m, String field,
                                      Problems problems) {
    return m == null ? null : Checks.stringMatch(m, field, problems);
  }

  /** Header (or query parameter) name -> match; header names must be lower case as Envoy sees them. */
  private static Map<String, StringMatch> headerMatches(
      Map<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch> in, String field, Problems problems) {
    Map<String, StringMatch> out = new LinkedHashMap<>();
    boolean query = field.endsWith(".queryParams");
    new TreeMap<>(in == null ? Map.<String, io.fabric8.istio.api.api.networking.v1alpha3.StringMatch>of() : in)
        .forEach((name, value) -> {
          String hf = field + "." + name;
          if (name.isEmpty() || !query && !name.equals(name.toLowerCase(Locale.ROOT))) {
            problems.error(hf, "header name must be non-empty and lower case");
            return;
          }
          StringMatch sm = value == null || value.getMatchType() == null ? StringMatch.prefix("")
              : Checks.stringMatch(value, hf, problems);
          if (sm != null) {
            out.put(name, sm);
          }
        });
    return out;
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
