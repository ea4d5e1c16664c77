package io.bosun.testing;

import io.bosun.envoy.Bootstrap;
import io.bosun.envoy.EnvoyBinary;
import io.bosun.envoy.EnvoyProcess;
import io.bosun.envoy.Ports;
import io.bosun.runtime.StandaloneBosun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Standalone Bosun on one config file plus a real Envoy ingress gateway it configures, for ITs. */
public final class GatewayHarness implements AutoCloseable {
  public final StandaloneBosun bosun;
  public final EnvoyProcess gateway;

  private GatewayHarness(StandaloneBosun bosun, EnvoyProcess gateway) {
    this.bosun = bosun;
    this.gateway = gateway;
  }

  /** Writes {@code yaml} into {@code dir}, starts Bosun on it and a gateway Envoy labelled istio=ingressgateway. */
  public static GatewayHarness start(Path dir, String yaml) throws IOException {
    return start(dir, yaml, Map.of());
  }

  /** Like {@link #start(Path, String)}, with more labels on the gateway (e.g. its topology). */
  public static GatewayHarness start(Path dir, String yaml, Map<String, String> extraLabels) throws IOException {
    Files.writeString(dir.resolve("config.yaml"), yaml);
    return serve(dir, extraLabels);
  }

  /** Starts Bosun on the config already in {@code dir} and a gateway Envoy labelled istio=ingressgateway. */
  public static GatewayHarness serve(Path dir, Map<String, String> extraLabels) throws IOException {
    Map<String, String> labels = new TreeMap<>(extraLabels);
    labels.put("istio", "ingressgateway");
    StandaloneBosun bosun = StandaloneBosun.start(dir, "127.0.0.1", 0, "127.0.0.1", 0);
    EnvoyProcess gateway = EnvoyProcess.start(EnvoyBinary.require(), Bootstrap.forProxy(
            "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local")
        .namespace("istio-system").labels(labels)
        .xds("127.0.0.1", bosun.xdsPort()).adminPort(Ports.freePort()));
    gateway.waitReady(Duration.ofSeconds(30));
    return new GatewayHarness(bosun, gateway);
  }

  /** A VirtualService {@code <name>} for {@code <name>.example.com} on Gateway gw, routing to the ServiceEntry web. */
  public static String virtualService(String name) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %1$s}
        spec:
          hosts: [%1$s.example.com]
          gateways: [gw]
          http: [{route: [{destination: {host: web.default.svc.cluster.local}}]}]
        ---
        """.formatted(name);
  }

  /** A STATIC ServiceEntry {@code <name>.default.svc.cluster.local:80} with one loopback endpoint per port given. */
  public static String serviceEntry(String name, int... ports) {
    StringBuilder endpoints = new StringBuilder();
    for (int p : ports) {
      endpoints.append(endpoints.length() == 0 ? "" : ", ").append("{address: 127.0.0.1, ports: {http: ").append(p)
          .append("}}");
    }
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %1$s}
        spec:
          hosts: [%1$s.default.svc.cluster.local]
          location: MESH_INTERNAL
          resolution: STATIC
          ports: [{name: http, number: 80, protocol: HTTP}]
          endpoints: [%2$s]
        ---
        """.formatted(name, endpoints);
  }

  /** A Gateway named gw for the ingress gateway with one plain-HTTP server on {@code port}. */
  public static String gateway(int port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          selector: {istio: ingressgateway}
          servers: [{port: {number: %d, name: http, protocol: HTTP}, hosts: ["*"]}]
        ---
        """.formatted(port);
  }

  /**
   * A Gateway for proxies labelled istio=taken-port, listening on {@code port}: with that port taken
   * on the machine, Envoy NACKs the listener (the one NACK no config check can foresee).
   */
  public static String takenPortGateway(int port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: taken, namespace: default}
        spec:
          selector: {istio: taken-port}
          servers: [{port: {number: %d, name: http, protocol: HTTP}, hosts: ["*"]}]
        """.formatted(port);
  }

  @Override
  public void close() {
    gateway.close();
    bosun.close();
  }
}
