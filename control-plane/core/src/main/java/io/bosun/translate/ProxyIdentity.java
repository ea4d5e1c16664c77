package io.bosun.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads Istio's proxy identity off an Envoy node: id {@code type~ip~pod.ns~ns.svc.cluster.local},
 * metadata {@code NAMESPACE} and {@code LABELS}; and decides which proxies share one config.
 */
public final class ProxyIdentity {
  /** The node metadata key the xDS server records a stream's verified identity under. */
  public static final String IDENTITY_KEY = "BOSUN_IDENTITY";

  private ProxyIdentity() {
  }

  public static Proxy of(Node node) {
    String id = node.getId();
    String[] parts = id.split("~", -1);
    ProxyType type = parts.length > 0 && parts[0].equals(ProxyType.ROUTER.id()) ? ProxyType.ROUTER : ProxyType.SIDECAR;
    String ip = parts.length > 1 ? parts[1] : "";
    String podName = "";
    String namespace = "";
    if (parts.length > 2) {
      String podDotNs = parts[2];
      int dot = podDotNs.indexOf('.');
      podName = dot < 0 ? podDotNs : podDotNs.substring(0, dot);
      namespace = dot < 0 ? "" : podDotNs.substring(dot + 1);
    }
    Struct md = node.getMetadata();
    String metaNamespace = string(md.getFieldsOrDefault("NAMESPACE", Value.getDefaultInstance()));
    if (!metaNamespace.isEmpty()) {
      namespace = metaNamespace;
    }
    if (namespace.isEmpty()) {
      namespace = "default";
    }
    Map<String, String> labels = new TreeMap<>();
    Value l = md.getFieldsOrDefault("LABELS", Value.getDefaultInstance());
    if (l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, string(v)));
    }
    // Envoy's node locality, else Kubernetes' topology labels (which a pod may carry over from its node)
    String locality = "";
    if (node.hasLocality() && !node.getLocality().getRegion().isEmpty()) {
      locality = node.getLocality().getRegion() + "/" + node.getLocality().getZone() + "/" + node.getLocality()
          .getSubZone();
    } else if (labels.containsKey("topology.kubernetes.io/region")) {
      locality = labels.get("topology.kubernetes.io/region") + "/"
          + labels.getOrDefault("topology.kubernetes.io/zone", "") + "/";
    }
    // set by the xDS server from what the caller proved, never by the caller itself
    String identity = string(md.getFieldsOrDefault(IDENTITY_KEY, Value.getDefaultInstance()));
    return new Proxy(id, type, ip, podName, namespace, labels, locality, identity, false);
  }

  /**
   * The group a proxy's config is shared with: everything translation reads from the proxy,
   * which is its type, namespace (short host names, sourceNamespace) and labels (Gateway
   * selectors, sourceLabels) and, for sidecars, the IP (the inbound side serves the services
   * whose endpoints have that IP), its locality (locality load balancing) and its identity (which
   * Secrets it may receive, and its workload certificate). Widen this when translation starts reading more.
   */
  public static String group(Proxy proxy) {
    String labels = new TreeMap<>(proxy.labels()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
    String ip = proxy.type() == ProxyType.SIDECAR ? proxy.ip() : "";
    return proxy.type().id() + "~" + ip + "~" + proxy.namespace() + "~" + proxy.locality() + "~" + labels
        + (proxy.identity().isEmpty() ? "" : "~" + proxy.identity());
  }

  private static String string(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> Double.toString(v.getNumberValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> "";
    };
  }
}
