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
import io.bosun.model.VirtualService;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRoute;
import io.fabric8.istio.api.api.networking.v1alpha3.HTTPRouteDestination;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Validates a VirtualService spec as Istio's {@code ValidateVirtualService} does and turns it into the model. */
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
    List<String> gateways = gateways(list(spec.getGateways()), "spec.gateways", ns, problems);
    // bound to gateways only (no "mesh"): Istio's appliesToGateway
    boolean mesh = list(spec.getGateways()).contains(VirtualService.MESH);
    boolean gatewayOnly = !list(spec.getGateways()).isEmpty() && !mesh;

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
    boolean sni = list(spec.getTls()).stream().anyMatch(t -> t != null && list(t.getMatch()).stream()
        .anyMatch(m -> m != null && !list(m.getSniHosts()).isEmpty()));
    List<String> hosts = VirtualServiceHosts.hosts(list(spec.getHosts()), ns, gatewayOnly, sni, problems);

    if (list(spec.getHttp()).isEmpty() && list(spec.getTcp()).isEmpty() && list(spec.getTls()).isEmpty()) {
      problems.error("spec", "http, tcp or tls must be provided");
    }
    List<String> exportTo = Checks.exportTo(spec.getExportTo(), "spec.exportTo", ns, false, problems);

    List<HttpRoute> http = new ArrayList<>();
    for (int i = 0; i < list(spec.getHttp()).size(); i++) {
      HttpRoute r = httpRoute(spec.getHttp().get(i), "spec.http[" + i + "]", ns, gatewayOnly, problems);
      if (r != null) {
        http.add(r);
      }
    }
    List<L4Route> tcp = L4RouteConverter.tcp(spec.getTcp(), ns, problems);
    List<L4Route> tls = L4RouteConverter.tls(spec.getTls(), list(spec.getHosts()), hosts, ns, mesh, problems);
    return Conversion.of(ref, new VirtualService(ref, hosts, gateways, http, tcp, tls, exportTo), problems);
  }

  /** Largest directResponse body; route tables raise Envoy's 4 KiB default to fit what they carry. */
  static final int MAX_BODY_BYTES = 1 << 20;
  /** Istio warns above this body size. */
  private static final int LARGE_BODY_BYTES = 100 << 10;

  /**
   * Gateway names as Istio's {@code validateGatewayNames}: {@code mesh}, {@code name},
   * {@code namespace/name} (both DNS labels) or the legacy {@code name.namespace.svc.cluster.local};
   * qualified to {@code namespace/name}.
   */
  static List<String> gateways(List<String> names, String field, String ns, Problems problems) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String g = names.get(i);
      String f = field + "[" + i + "]";
      int slash = g == null ? -1 : g.indexOf('/');
      if (g == null || g.isBlank()) {
        problems.error(f, "gateway name must not be empty");
      } else if (slash < 0 && !HostNames.fqdn(g)) {
        problems.error(f, "invalid gateway name \"" + Problems.truncate(g) + "\"");
      } else if (slash >= 0 && !(HostNames.label(g.substring(0, slash)) && HostNames.label(g.substring(slash + 1)))) {
        problems.error(f, "must be namespace/name, both DNS labels (no wildcards), not \"" + Problems.truncate(g)
            + "\"");
      } else {
        if (slash < 0 && g.contains(".")) {
          problems.warning(f, "the legacy form \"" + g + "\"; prefer namespace/name: \"" + qualifyGateway(g, ns)
              + "\"");
        }
        out.add(qualifyGateway(g, ns));
      }
    }
    return out;
  }

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

  private static HttpRoute httpRoute(HTTPRoute r, String field, String ns, boolean gatewayOnly, Problems problems) {
    if (r == null) {
      problems.error(field, "route must not be empty");
      return null;
    }
    boolean hasRoute = !list(r.getRoute()).isEmpty();
    PolicyChecks.conflicts(r, field, problems);
    if (r.getDirectResponse() != null) {
      RouteActions.DirectResponse d = RouteActionsConverter.directResponse(r.getDirectResponse());
      if (d.status() < 200 || d.status() > 599) {
        problems.error(field + ".directResponse.status", "status must be between 200 and 599");
      }
      int size = d.body() == null ? 0 : d.body().getBytes(StandardCharsets.UTF_8).length;
      if (size > MAX_BODY_BYTES) {
        problems.error(field + ".directResponse.body", "body must be at most " + MAX_BODY_BYTES + " bytes");
      } else if (size > LARGE_BODY_BYTES) {
        problems.warning(field + ".directResponse.body", "a body above 100 KiB weighs on every proxy's route table");
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
    boolean redirectServed = PolicyChecks.redirect(r.getRedirect(), field + ".redirect", problems);
    PolicyChecks.rewrite(r.getRewrite(), field + ".rewrite", problems);
    PolicyChecks.cors(r.getCorsPolicy(), field + ".corsPolicy", problems);
    HeaderRules.check(r.getHeaders(), field + ".headers", r.getRewrite() == null || r.getRewrite().getAuthority()
        == null ? "" : r.getRewrite().getAuthority(), problems);
    List<RouteActions.Mirror> mirrors = MirrorConverter.mirrors(r, field, ns, problems);

    List<HttpMatch> matches = HttpMatchConverter.matches(list(r.getMatch()), field, ns, gatewayOnly, problems);
    List<RouteDestination> dests = destinations(list(r.getRoute()), field, ns, problems);
    if (matches == null || !redirectServed) {
      return null;
    }
    return new HttpRoute(r.getName(), matches, dests, RouteActionsConverter.timeout(r.getTimeout()),
        RouteActionsConverter.retries(r.getRetries()), RouteActionsConverter.redirect(r.getRedirect()),
        RouteActionsConverter.rewrite(r.getRewrite(), r.getHeaders()),
        RouteActionsConverter.directResponse(r.getDirectResponse()),
        RouteActionsConverter.headers(r.getHeaders()), RouteActionsConverter.fault(r.getFault()), mirrors,
        RouteActionsConverter.cors(r.getCorsPolicy(), m -> Checks.stringMatch(m, "", new Problems(null, null))),
        delegate);
  }

  private static List<RouteDestination> destinations(List<HTTPRouteDestination> route, String field, String ns,
                                                     Problems problems) {
    List<RouteDestination> dests = new ArrayList<>();
    long total = 0;
    for (int j = 0; j < route.size(); j++) {
      String df = field + ".route[" + j + "]";
      HTTPRouteDestination d = route.get(j);
      if (d == null || d.getDestination() == null) {
        problems.error(df + ".destination", "destination is required");
        continue;
      }
      HeaderRules.check(d.getHeaders(), df + ".headers", null, problems);
      int weight = d.getWeight() == null ? (route.size() == 1 ? 100 : 0) : d.getWeight();
      if (weight < 0) {
        problems.error(df + ".weight", "weight must not be negative");
        continue;
      }
      total += weight;
      Destination dest = destination(d.getDestination(), df + ".destination", ns, problems);
      if (dest != null) {
        dests.add(new RouteDestination(dest, route.size() == 1 ? 100 : weight,
            RouteActionsConverter.headers(d.getHeaders()), RouteActionsConverter.authority(d.getHeaders())));
      }
    }
    if (route.size() > 1 && total <= 0) {
      problems.error(field + ".route", "total weight of the destinations must be greater than 0");
    }
    return dests;
  }

  /** Istio's {@code validateDestination}: a host (wildcards allowed, not {@code *}), a subset name, a port. */
  static Destination destination(io.fabric8.istio.api.api.networking.v1alpha3.Destination d, String field, String ns,
                                 Problems problems) {
    if (d.getHost() == null || d.getHost().isBlank()) {
      problems.error(field + ".host", "host is required");
      return null;
    }
    if (d.getHost().equals("*") || !HostNames.wildcardDomain(d.getHost())) {
      problems.error(field + ".host", "invalid host \"" + d.getHost() + "\"");
      return null;
    }
    if (d.getSubset() != null && !d.getSubset().isEmpty() && !HostNames.label(d.getSubset())) {
      problems.error(field + ".subset", "invalid subset name \"" + d.getSubset() + "\": letters, digits and '-'");
      return null;
    }
    int port = 0;
    if (d.getPort() != null) {
      if (!Checks.port(d.getPort().getNumber() == null ? Long.valueOf(0) : d.getPort().getNumber(),
          field + ".port.number", problems)) {
        return null;
      }
      port = d.getPort().getNumber().intValue();
    }
    return new Destination(Hosts.resolve(d.getHost(), ns), d.getSubset(), port);
  }

  static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
