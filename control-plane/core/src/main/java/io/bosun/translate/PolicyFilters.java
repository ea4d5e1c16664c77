package io.bosun.translate;

import io.bosun.model.MeshSnapshot;
import io.bosun.model.Proxy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;

/** The HTTP filters the security policies that apply to a proxy's workload ask for, in the order they act. */
final class PolicyFilters {
  private PolicyFilters() {
  }

  /** JWT validation (RequestAuthentication) first, so that authorization can read the token's claims. */
  static List<HttpFilter> http(MeshSnapshot snapshot, Proxy proxy) {
    List<HttpFilter> out = new ArrayList<>();
    JwtAuthn.filter(snapshot.security().requestAuthenticationFor(proxy.namespace(), proxy.labels()), snapshot)
        .ifPresent(out::add);
    out.addAll(Authorization.http(snapshot.security().authorizationFor(proxy.namespace(), proxy.labels()), snapshot));
    return out;
  }
}
