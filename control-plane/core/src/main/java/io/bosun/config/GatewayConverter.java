package io.bosun.config;

import static io.bosun.config.VirtualServiceConverter.list;

import io.bosun.model.Gateway;
import io.bosun.model.GatewayServer;
import io.bosun.model.Hosts;
import io.bosun.model.ResourceRef;
import io.bosun.model.ServerTls;
import io.fabric8.istio.api.api.networking.v1alpha3.ServerTLSSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Validates a Gateway spec and turns it into the model. */
final class GatewayConverter {
  private static final Set<String> PROTOCOLS = Set.of("HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP",
      "TLS");

  private GatewayConverter() {
  }

  private static void tls(ServerTLSSettings tls, String protocol,
                          String field, Problems problems) {
    if (tls == null || Boolean.TRUE.equals(tls.getHttpsRedirect()) && tls.getMode() == null) {
      return;
    }
    String mode = tls.getMode() == null ? "SIMPLE" : tls.getMode().toString();
    boolean files = tls.getServerCertificate() != null && !tls.getServerCertificate().isEmpty()
        && tls.getPrivateKey() != null && !tls.getPrivateKey().isEmpty();
    boolean credential = tls.getCredentialName() != null && !tls.getCredentialName().isEmpty()
        || tls.getCredentialNames() != null && !tls.getCredentialNames().isEmpty();
    switch (mode) {
      case "SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL" -> {
        if (!files && !credential) {
          problems.error(field, "mode " + mode + " needs credentialName, or serverCertificate and privateKey");
        }
        if (!mode.equals("SIMPLE") && !credential && (tls.getCaCertificates() == null || tls.getCaCertificates()
            .isEmpty())) {
          problems.error(field + ".caCertificates", "mode " + mode + " needs caCertificates or credentialName");
        }
      }
      case "PASSTHROUGH", "AUTO_PASSTHROUGH" -> {
        if (!protocol.equals("TLS")) {
          problems.error(field + ".mode", "mode " + mode + " is allowed only with protocol TLS");
        }
      }
      default -> { }
    }
  }

  private static ServerTls serverTls(ServerTLSSettings tls, String field,
                                     Problems problems) {
    if (tls == null) {
      return null;
    }
    Checks.unsupported(tls.getCredentialNames(), field + ".credentialNames", problems);
    Checks.unsupported(tls.getTlsCertificates(), field + ".tlsCertificates", problems);
    Checks.unsupported(tls.getCaCertCredentialName(), field + ".caCertCredentialName", problems);
    Checks.unsupported(tls.getCaCrl(), field + ".caCrl", problems);
    Checks.unsupported(tls.getVerifyCertificateHash(), field + ".verifyCertificateHash", problems);
    Checks.unsupported(tls.getVerifyCertificateSpki(), field + ".verifyCertificateSpki", problems);
    String mode = tls.getMode() == null ? "SIMPLE" : tls.getMode().toString();
    if (mode.equals("AUTO_PASSTHROUGH") || mode.equals("OPTIONAL_MUTUAL")) {
      problems.warning(field + ".mode", "mode " + mode + " is not supported by this Bosun release yet; served as "
          + (mode.equals("AUTO_PASSTHROUGH") ? "PASSTHROUGH" : "MUTUAL"));
    }
    return new ServerTls(mode, Boolean.TRUE.equals(tls.getHttpsRedirect()),
        tls.getServerCertificate(), tls.getPrivateKey(), tls.getCaCertificates(), tls.getCredentialName(),
        tls.getSubjectAltNames(), tls.getMinProtocolVersion() == null ? null : tls.getMinProtocolVersion().toString(),
        tls.getMaxProtocolVersion() == null ? null : tls.getMaxProtocolVersion().toString(), tls.getCipherSuites());
  }

  static Conversion convert(ResourceRef ref, String source, io.fabric8.istio.api.api.networking.v1alpha3.Gateway spec) {
    Problems problems = new Problems(source, ref);
    if (!Checks.spec(spec, problems)) {
      return Conversion.of(ref, null, problems);
    }
    if (list(spec.getServers()).isEmpty()) {
      problems.error("spec.servers", "at least one server is required");
    }
    List<GatewayServer> servers = new ArrayList<>();
    Map<String, Long> portNames = new HashMap<>();
    for (int i = 0; i < list(spec.getServers()).size(); i++) {
      var s = spec.getServers().get(i);
      String field = "spec.servers[" + i + "]";
      if (s == null || s.getPort() == null) {
        problems.error(field + ".port", "port is required");
        continue;
      }
      var port = s.getPort();
      boolean portOk = Checks.port(port.getNumber(), field + ".port.number", problems);
      String protocol = port.getProtocol() == null ? "" : port.getProtocol().toUpperCase(Locale.ROOT);
      if (!PROTOCOLS.contains(protocol)) {
        problems.error(field + ".port.protocol", "unknown protocol \"" + port.getProtocol() + "\"");
      }
      String portName = port.getName() == null ? "" : port.getName();
      if (!portName.isEmpty() && portOk) {
        Long previous = portNames.putIfAbsent(portName, port.getNumber());
        if (previous != null && !previous.equals(port.getNumber())) {
          problems.error(field + ".port.name", "port name " + portName + " is already used for port " + previous);
        }
      }
      if ((protocol.equals("HTTPS") || protocol.equals("TLS")) && s.getTls() == null) {
        problems.error(field + ".tls", "tls settings are required for protocol " + protocol);
      }
      if (protocol.equals("GRPC-WEB")) {
        problems.warning(field, "protocol " + protocol + " servers are not served by this Bosun release yet; ignored");
      }
      tls(s.getTls(), protocol, field + ".tls", problems);
      String bind = s.getBind() == null ? "" : s.getBind();
      if (bind.startsWith("unix://")) {
        problems.warning(field + ".bind", "binding a unix domain socket is not supported by this Bosun release yet;"
            + " the server listens on all addresses");
        bind = "";
      } else if (!bind.isEmpty() && !Hosts.isIpv4(bind)) {
        problems.error(field + ".bind", "must be an IP address or unix:///path, not \"" + Problems.truncate(bind)
            + "\"");
      }
      List<String> hosts = list(s.getHosts());
      if (hosts.isEmpty()) {
        problems.error(field + ".hosts", "at least one host is required");
      }
      for (int j = 0; j < hosts.size(); j++) {
        String h = hosts.get(j);
        String bare = h != null && h.contains("/") ? h.substring(h.indexOf('/') + 1) : h;
        if (bare == null || !Hosts.isValidName(bare)) {
          problems.error(field + ".hosts[" + j + "]", "invalid host \"" + h + "\"");
        }
      }
      if (s.getTls() != null && s.getTls().getMode() != null && s.getTls().getMode().toString()
          .equals("ISTIO_MUTUAL") && (notEmpty(s.getTls().getServerCertificate())
          || notEmpty(s.getTls().getPrivateKey()) || notEmpty(s.getTls().getCaCertificates())
          || notEmpty(s.getTls().getCredentialName()))) {
        // the mesh's own certificates: Istio refuses a user's next to them
        problems.error(field + ".tls", "mode ISTIO_MUTUAL uses the mesh's certificates: serverCertificate, privateKey,"
            + " caCertificates and credentialName cannot be set");
      } else if (portOk) {
        servers.add(new GatewayServer(s.getName(), port.getNumber().intValue(), portName, protocol, hosts,
            serverTls(s.getTls(), field + ".tls", problems), bind));
      }
    }
    Map<String, String> selector = spec.getSelector() == null ? Map.of() : spec.getSelector();
    return Conversion.of(ref, new Gateway(ref, selector, servers), problems);
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
