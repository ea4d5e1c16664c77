package io.bosun.testing;

import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import java.util.Map;

/** Proxies as tests need them. */
public final class Proxies {
  private Proxies() {
  }

  public static Proxy sidecar(String namespace) {
    return new Proxy("sidecar~10.244.0.99~sleep-1." + namespace + "~" + namespace + ".svc.cluster.local",
        ProxyType.SIDECAR, "10.244.0.99", "sleep-1", namespace, Map.of("app", "sleep"));
  }

  public static Proxy ingressGateway() {
    return new Proxy("router~10.244.0.2~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local",
        ProxyType.ROUTER, "10.244.0.2", "istio-ingressgateway-1", "istio-system", Map.of("istio", "ingressgateway"));
  }
}
