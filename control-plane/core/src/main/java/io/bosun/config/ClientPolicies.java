package io.bosun.config;

import io.bosun.model.TrafficPolicy;
import io.fabric8.istio.api.api.networking.v1alpha3.ClientTLSSettings;
import io.fabric8.istio.api.api.networking.v1alpha3.LocalityLoadBalancerSetting;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** DestinationRule {@code tls} (TLS origination) and {@code loadBalancer.localityLbSetting}, validated. */
final class ClientPolicies {
  private ClientPolicies() {
  }

  static TrafficPolicy.ClientTls tls(ClientTLSSettings t, String field, Problems problems) {
    if (t == null) {
      return null;
    }
    Checks.unsupported(t.getCaCrl(), field + ".caCrl", problems);
    String mode = t.getMode() == null ? "DISABLE" : t.getMode().toString();
    boolean files = notEmpty(t.getClientCertificate()) || notEmpty(t.getPrivateKey())
        || notEmpty(t.getCaCertificates());
    boolean credential = notEmpty(t.getCredentialName());
    boolean sans = t.getSubjectAltNames() != null && !t.getSubjectAltNames().isEmpty();
    if (Boolean.TRUE.equals(t.getInsecureSkipVerify()) && (mode.equals("SIMPLE") || mode.equals("MUTUAL"))
        && (notEmpty(t.getCaCertificates()) || sans || mode.equals("SIMPLE") && credential)) {
      // Istio's ValidateTLS: nothing to verify with, so nothing to verify against
      problems.error(field + ".insecureSkipVerify", "cannot be true with caCertificates, subjectAltNames"
          + (mode.equals("SIMPLE") ? " or credentialName" : ""));
    }
    switch (mode) {
      case "ISTIO_MUTUAL" -> {
        if (files || credential) {
          problems.warning(field, "mode ISTIO_MUTUAL uses the mesh's certificates: clientCertificate, privateKey,"
              + " caCertificates and credentialName are ignored");
        }
      }
      case "SIMPLE", "MUTUAL" -> {
        if (credential && (files || notEmpty(t.getCaCrl()))) {
          problems.error(field + ".credentialName",
              "cannot be combined with clientCertificate, privateKey, caCertificates or caCrl");
        } else if (mode.equals("MUTUAL") && !credential && !(notEmpty(t.getClientCertificate())
            && notEmpty(t.getPrivateKey()))) {
          problems.error(field, "mode MUTUAL needs credentialName, or clientCertificate and privateKey");
        }
      }
      default -> { }
    }
    if (notEmpty(t.getSni()) && t.getSni().getBytes(StandardCharsets.UTF_8).length > 255) {
      problems.error(field + ".sni", "must be at most 255 bytes (Envoy's limit)");
    }
    return new TrafficPolicy.ClientTls(mode, t.getClientCertificate(), t.getPrivateKey(), t.getCaCertificates(),
        t.getCredentialName(), t.getSni(), t.getSubjectAltNames(), Boolean.TRUE.equals(t.getInsecureSkipVerify()));
  }

  static TrafficPolicy.Locality locality(LocalityLoadBalancerSetting l, String field, Problems problems) {
    if (l == null) {
      return null;
    }
    List<?> distribute = l.getDistribute() == null ? List.of() : l.getDistribute();
    List<?> failover = l.getFailover() == null ? List.of() : l.getFailover();
    if (!distribute.isEmpty() && !failover.isEmpty()) {
      problems.error(field, "distribute and failover cannot both be set");
    }
    List<TrafficPolicy.Distribute> dist = new ArrayList<>();
    for (int i = 0; i < distribute.size(); i++) {
      var d = l.getDistribute().get(i);
      String df = field + ".distribute[" + i + "]";
      if (d == null || !locality(d.getFrom(), true)) {
        problems.error(df + ".from", "must be region/zone/subzone, each part may be *");
        continue;
      }
      List<TrafficPolicy.Share> to = new ArrayList<>();
      long total = 0;
      for (var e : new TreeMap<>(d.getTo() == null ? Map.<String, Long>of() : d.getTo()).entrySet()) {
        if (!locality(e.getKey(), true)) {
          problems.error(df + ".to." + e.getKey(), "must be region/zone/subzone, each part may be *");
        } else if (e.getValue() == null || e.getValue() <= 0) {
          problems.error(df + ".to." + e.getKey(), "weight must be greater than 0");
        } else {
          total += e.getValue();
          to.add(new TrafficPolicy.Share(e.getKey(), e.getValue().intValue()));
        }
      }
      if (total != 100) {
        problems.error(df + ".to", "weights must add up to 100, not " + total);
      }
      dist.add(new TrafficPolicy.Distribute(d.getFrom(), to));
    }
    List<TrafficPolicy.Failover> fail = new ArrayList<>();
    for (int i = 0; i < failover.size(); i++) {
      var f = l.getFailover().get(i);
      String ff = field + ".failover[" + i + "]";
      if (f == null || !notEmpty(f.getFrom()) || !notEmpty(f.getTo()) || f.getFrom().contains("/")
          || f.getTo().contains("/")) {
        problems.error(ff, "from and to must be regions");
      } else if (f.getFrom().equals(f.getTo())) {
        problems.error(ff, "from and to must be different regions");
      } else {
        fail.add(new TrafficPolicy.Failover(f.getFrom(), f.getTo()));
      }
    }
    boolean enabled = l.getEnabled() == null || l.getEnabled();
    return new TrafficPolicy.Locality(enabled, dist, fail, l.getFailoverPriority());
  }

  private static boolean locality(String s, boolean wildcard) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    String[] parts = s.split("/", -1);
    if (parts.length > 3) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.equals("*") && !wildcard) {
        return false;
      }
    }
    return true;
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
