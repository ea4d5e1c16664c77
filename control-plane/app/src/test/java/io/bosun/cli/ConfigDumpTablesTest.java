package io.bosun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.certs.Certificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** proxy-config's tables from config_dump-shaped JSON (the IT feeds them a real Envoy's). */
class ConfigDumpTablesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void clustersSplitIstioNamesAndKeepOthersWhole() throws Exception {
    JsonNode dump = json("{'configs':[{'@type':'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',"
        + "'static_clusters':[{'cluster':{'name':'xds-grpc','type':'STRICT_DNS'}}],"
        + "'dynamic_active_clusters':[{'cluster':{'name':'outbound|9080|v1|reviews.default.svc.cluster.local',"
        + "'type':'EDS','metadata':{'filter_metadata':{'istio':{'config':"
        + "'/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews'}}}}},"
        + "{'cluster':{'name':'BlackHoleCluster'}},{'cluster':{'name':'inbound|9080||','type':'ORIGINAL_DST'}}]}]}");
    assertThat(ConfigDumpTables.clusterTable(dump).toString().lines().toList()).containsExactly(
        "SERVICE FQDN                        PORT   SUBSET   DIRECTION   TYPE           DESTINATION RULE",
        "xds-grpc                            -      -        -           STRICT_DNS     ",
        "reviews.default.svc.cluster.local   9080   v1       outbound    EDS            reviews.default",
        "BlackHoleCluster                    -      -        -           STATIC         ",
        "-                                   9080   -        inbound     ORIGINAL_DST   ");
  }

  @Test
  void listenersShowEachFilterChainsMatchAndDestination() throws Exception {
    JsonNode dump = json("{'configs':[{'@type':'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',"
        + "'dynamic_listeners':[{'name':'0.0.0.0_9080','active_state':{'listener':{'name':'0.0.0.0_9080',"
        + "'address':{'socket_address':{'address':'0.0.0.0','port_value':9080}},'filter_chains':["
        + "{'filter_chain_match':{'transport_protocol':'raw_buffer','application_protocols':['http/1.1','h2c']},"
        + "'filters':[{'name':'envoy.filters.network.http_connection_manager','typed_config':{'@type':"
        + "'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',"
        + "'rds':{'route_config_name':'9080'}}}]},"
        + "{'filters':[{'name':'envoy.filters.network.tcp_proxy','typed_config':{'@type':"
        + "'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy','cluster':'PassthroughCluster'"
        + "}}]}]}}}]}]}");
    assertThat(ConfigDumpTables.listenerTable(dump).toString().lines().toList()).containsExactly(
        "ADDRESSES   PORT   MATCH                                  DESTINATION",
        "0.0.0.0     9080   Trans: raw_buffer; App: http/1.1,h2c   Route: 9080",
        "0.0.0.0     9080   ALL                                    Cluster: PassthroughCluster");
  }

  @Test
  void routesShowOneRowPerRoute() throws Exception {
    // a bootstrap listener's inline route config (Envoy dumps it among the static ones) has no
    // name: "-", so the columns stay apart
    JsonNode dump = json("{'configs':[{'@type':'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',"
        + "'static_route_configs':[{'route_config':{'virtual_hosts':[{'name':'bosun-prometheus','domains':['*'],"
        + "'routes':[{'match':{'prefix':'/stats/prometheus'}}]}]}}],"
        + "'dynamic_route_configs':[{'route_config':{'name':'9080','virtual_hosts':[{'name':'reviews:9080',"
        + "'domains':['reviews','reviews.default.svc.cluster.local'],'routes':[{'match':{'prefix':'/'},"
        + "'metadata':{'filter_metadata':{'istio':{'config':"
        + "'/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews'}}}},"
        + "{'match':{'path':'/health'},'direct_response':{'status':404}}]}]}}]}]}");
    assertThat(ConfigDumpTables.routeTable(dump).toString().lines().toList()).containsExactly(
        "NAME   VHOST NAME         DOMAINS                                     MATCH                VIRTUAL SERVICE",
        "-      bosun-prometheus   *                                           /stats/prometheus*   ",
        "9080   reviews:9080       reviews,reviews.default.svc.cluster.local   /*                   reviews.default",
        "9080   reviews:9080       reviews,reviews.default.svc.cluster.local   /health              404");
  }

  @Test
  void endpointsFromClustersJson() throws Exception {
    JsonNode clusters = json("{'cluster_statuses':[{'name':'outbound|9080||reviews.default.svc.cluster.local',"
        + "'host_statuses':[{'address':{'socket_address':{'address':'10.0.0.9','port_value':9080}},"
        + "'health_status':{'eds_health_status':'HEALTHY','failed_outlier_check':true}}]}]}");
    assertThat(ConfigDumpTables.endpointTable(clusters).toString().lines().toList()).containsExactly(
        "ENDPOINT        STATUS    OUTLIER CHECK   CLUSTER",
        "10.0.0.9:9080   HEALTHY   FAILED          outbound|9080||reviews.default.svc.cluster.local");
  }

  @Test
  void secretsShowTheCertificateAndNeverTheKey() throws Exception {
    Certificates.Issued ca = Certificates.newAuthority("root", Duration.ofDays(2)).authority();
    String chain = Base64.getEncoder().encodeToString(ca.certificatePem().getBytes(StandardCharsets.UTF_8));
    String key = Base64.getEncoder().encodeToString(ca.privateKeyPem().getBytes(StandardCharsets.UTF_8));
    JsonNode dump = json("{'configs':[{'@type':'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',"
        + "'dynamic_active_secrets':[{'name':'default','secret':{'name':'default','tls_certificate':{"
        + "'certificate_chain':{'inline_bytes':'" + chain + "'},'private_key':{'inline_bytes':'" + key + "'}}}},"
        + "{'name':'ROOTCA','secret':{'name':'ROOTCA','validation_context':{'trusted_ca':{'inline_bytes':'"
        + chain + "'}}}}]}]}");
    String serial = ca.certificate().getSerialNumber().toString(16);
    List<String> rows = ConfigDumpTables.secretTable(dump, Instant.now()).toString().lines().toList();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(1)).startsWith("default ").contains("Cert Chain", "ACTIVE", "true", serial);
    assertThat(rows.get(2)).startsWith("ROOTCA ").contains("CA ", "ACTIVE", "true", serial);
    assertThat(ConfigDumpTables.secretTable(dump, Instant.now().plus(Duration.ofDays(3))).toString())
        .contains("false");
    for (ProxyConfigCommand.Output o : ProxyConfigCommand.Output.values()) {
      String out = ProxyConfigCommand.render(ProxyConfigCommand.Type.SECRET, o, dump.deepCopy(), Instant.now());
      assertThat(out).doesNotContain(key).doesNotContain("private_key").contains("default");
    }
  }
}
