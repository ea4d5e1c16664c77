package io.bosun.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.bosun.model.PeerAuthentication;
import io.bosun.model.PeerAuthentication.MtlsMode;
import io.bosun.model.ResourceRef;
import io.fabric8.istio.api.api.security.v1beta1.PeerAuthenticationMutualTLS;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Validates a PeerAuthentication spec as Istio's {@code ValidatePeerAuthentication} does; turns it into the model. */
final class PeerAuthenticationConverter {
  private static final List<String> MODES = List.of("UNSET", "DISABLE", "PERMISSIVE", "STRICT");

  private PeerAuthenticationConverter() {
  }

  /** {@code raw}: the spec as written, which tells an empty {@code portLevelMtls} from an absent one. */
  static Conversion convert(ResourceRef ref, String source,
                            io.fabric8.istio.api.api.security.v1beta1.PeerAuthentication spec, JsonNode raw) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    Map<String, String> selector = SecurityChecks.selector(spec.getSelector(), problems);
    MtlsMode mode = mode(spec.getMtls());
    SecurityChecks.enumValue(raw == null ? null : raw.path("mtls").get("mode"),
        spec.getMtls() != null && spec.getMtls().getMode() != null, "spec.mtls.mode", MODES, problems);
    Map<String, PeerAuthenticationMutualTLS> ports = spec.getPortLevelMtls() == null ? Map.of()
        : spec.getPortLevelMtls();
    JsonNode rawPorts = raw == null ? null : raw.get("portLevelMtls");
    if (rawPorts != null && !rawPorts.isNull() && ports.isEmpty()) {
      problems.error("spec.portLevelMtls", "must have at least one port when it is set");
    }
    if (selector == null && !ports.isEmpty()) {
      // Istio: "mesh/namespace peer authentication cannot have port level mTLS"
      problems.error("spec.portLevelMtls", "needs a selector with labels: a namespace-wide or mesh-wide policy "
          + "cannot set port-level modes");
    }
    Map<Integer, MtlsMode> portLevel = new TreeMap<>();
    new TreeMap<>(ports).forEach((port, tls) -> {
      String field = "spec.portLevelMtls." + port;
      if (port == null || !SecurityChecks.port(port) || Integer.parseInt(port) == 0) {
        problems.error(field, "must be a port number 1-65535, not \"" + Problems.truncate(String.valueOf(port))
            + "\"");
      } else {
        portLevel.put(Integer.parseInt(port), mode(tls));
      }
      JsonNode rawMode = rawPorts == null ? null : rawPorts.path(port).get("mode");
      SecurityChecks.enumValue(rawMode, tls != null && tls.getMode() != null, field + ".mode", MODES, problems);
    });
    return Conversion.of(ref, new PeerAuthentication(ref, selector, mode, portLevel), problems);
  }

  private static MtlsMode mode(PeerAuthenticationMutualTLS tls) {
    return tls == null || tls.getMode() == null ? MtlsMode.UNSET : MtlsMode.valueOf(tls.getMode().name());
  }
}
