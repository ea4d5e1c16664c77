package io.bosun.inject;

import io.bosun.intercept.InterceptionRules;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pod's annotations ask of its injection, checked, in Istio's order of precedence (a pod
 * annotation, then its {@code proxy.istio.io/config}, then the default). A value Istio refuses is
 * refused ({@link IllegalArgumentException} naming the annotation); one Bosun cannot honour is a
 * warning.
 *
 * @param template        which proxy the pod gets
 * @param skip            why the pod is left alone (a template Bosun does not offer), or null
 * @param intercept       whether the init container installs interception ({@code interceptionMode} not NONE)
 * @param nativeSidecar   the pod's {@code sidecar.istio.io/nativeSidecar}, or null to follow the cluster
 * @param statusPort      the status port, 0 for none ({@code status.sidecar.istio.io/port})
 * @param rewriteProbes   whether the apps' probes go through the status port
 * @param proxyConfig     the pod's {@code proxy.istio.io/config}
 */
record PodSettings(Template template, String skip, boolean intercept, Boolean nativeSidecar, int statusPort,
                   boolean rewriteProbes, ProxyConfigAnnotation proxyConfig, List<String> warnings) {
  static final String TEMPLATES = "inject.istio.io/templates";
  static final String INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";
  static final String NATIVE_SIDECAR = "sidecar.istio.io/nativeSidecar";
  static final String STATUS_PORT = "status.sidecar.istio.io/port";
  static final String REWRITE_PROBES = "sidecar.istio.io/rewriteAppHTTPProbers";
  /** Istio's default status port (pilot-agent's; here a listener of the proxy). */
  static final int DEFAULT_STATUS_PORT = 15020;
  /** Templates Istio ships that Bosun does not: such a pod is better left alone than given the wrong proxy. */
  private static final Set<String> ISTIO_ONLY = Set.of("grpc-simple", "grpc-agent", "waypoint", "kube-gateway",
      "agentgateway", "agentgateway-waypoint", "spire");
  /** Ports the proxy binds itself; the status port cannot be one of them. */
  private static final Set<Integer> PROXY_PORTS = Set.of(15000, 15001, 15006, 15021, 15090);

  /** The injection templates Bosun offers. */
  enum Template { SIDECAR, GATEWAY }

  PodSettings {
    warnings = List.copyOf(warnings);
  }

  static PodSettings of(Map<String, String> annotations) {
    List<String> warnings = new ArrayList<>();
    ProxyConfigAnnotation pc = ProxyConfigAnnotation.parse(annotations.get(ProxyConfigAnnotation.NAME));
    warnings.addAll(pc.warnings());

    Template template = Template.SIDECAR;
    String skip = null;
    Set<String> names = new LinkedHashSet<>(InterceptionRules.list(annotations.get(TEMPLATES)));
    for (String name : names) {
      if (ISTIO_ONLY.contains(name)) {
        skip = TEMPLATES + ": Bosun does not offer Istio's \"" + name + "\" template (it offers sidecar and "
            + "gateway); the pod is left without a proxy";
      } else if (!name.equals("sidecar") && !name.equals("gateway")) {
        throw new IllegalArgumentException("metadata.annotations[" + TEMPLATES + "]: template \"" + name
            + "\" not found; Bosun has sidecar, gateway");
      }
    }
    if (names.contains("gateway")) {
      if (names.contains("sidecar")) {
        throw new IllegalArgumentException("metadata.annotations[" + TEMPLATES
            + "]: sidecar and gateway cannot be combined");
      }
      template = Template.GATEWAY;
    }
    if (skip != null) {
      warnings.add(skip);
    }

    String mode = annotations.containsKey(INTERCEPTION_MODE)
        ? ProxyConfigAnnotation.interceptionMode(annotations.get(INTERCEPTION_MODE),
            "metadata.annotations[" + INTERCEPTION_MODE + "]")
        : pc.interceptionMode() != null ? pc.interceptionMode() : "REDIRECT";
    if (mode.equals("TPROXY") && template == Template.SIDECAR && skip == null) {
      warnings.add(INTERCEPTION_MODE + ": TPROXY is not supported by Bosun's interception; REDIRECT is used");
    }

    Boolean nativeSidecar = null;
    String nativeValue = annotations.get(NATIVE_SIDECAR);
    if ("true".equals(nativeValue) || "false".equals(nativeValue)) {
      nativeSidecar = Boolean.valueOf(nativeValue);
    } else if (nativeValue != null) {
      warnings.add(NATIVE_SIDECAR + ": \"" + nativeValue + "\" is neither true nor false; ignored");
    }

    int statusPort = pc.statusPort() != null ? pc.statusPort() : DEFAULT_STATUS_PORT;
    String portValue = annotations.get(STATUS_PORT);
    if (portValue != null) {
      if (!portValue.trim().matches("[0-9]{1,5}") || Integer.parseInt(portValue.trim()) > 65535) {
        throw new IllegalArgumentException("metadata.annotations[" + STATUS_PORT + "]: \"" + portValue
            + "\" is not a port");
      }
      statusPort = Integer.parseInt(portValue.trim());
    }
    if (PROXY_PORTS.contains(statusPort)) {
      throw new IllegalArgumentException("metadata.annotations[" + STATUS_PORT + "]: " + statusPort
          + " is a port of the proxy itself");
    }
    return new PodSettings(template, skip, !mode.equals("NONE"), nativeSidecar, statusPort,
        rewrite(annotations.get(REWRITE_PROBES)), pc, warnings);
  }

  /** {@code sidecar.istio.io/rewriteAppHTTPProbers}: Go's boolean spellings; on unless it says otherwise. */
  private static boolean rewrite(String value) {
    if (value == null) {
      return true;
    }
    return switch (value) {
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> true;
    };
  }
}
