package io.bosun.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapTest {

  private static final String SIDECAR = "sidecar~10.1.2.3~web-7d9f.shop~shop.svc.cluster.local";

  private static JsonNode parse(Bootstrap b) throws Exception {
    return new YAMLMapper().readTree(b.toYaml());
  }

  @Test
  void nodeCarriesIdClusterAndIstioMetadata() throws Exception {
    JsonNode node = parse(Bootstrap.forProxy(SIDECAR)
        .cluster("web.shop")
        .labels(Map.of("app", "web", "version", "1.0", "canary", "true"))
        .workloadName("web")
        .metadata("CLUSTER_ID", "Kubernetes")).get("node");

    assertThat(node.get("id").asText()).isEqualTo(SIDECAR);
    assertThat(node.get("cluster").asText()).isEqualTo("web.shop");
    JsonNode md = node.get("metadata");
    assertThat(md.get("NAMESPACE").asText()).isEqualTo("shop");
    assertThat(md.get("INSTANCE_IPS").asText()).isEqualTo("10.1.2.3");
    assertThat(md.get("WORKLOAD_NAME").asText()).isEqualTo("web");
    assertThat(md.get("CLUSTER_ID").asText()).isEqualTo("Kubernetes");
    // Label values that look like numbers or booleans must stay strings.
    assertThat(md.get("LABELS").get("version").isTextual()).isTrue();
    assertThat(md.get("LABELS").get("version").asText()).isEqualTo("1.0");
    assertThat(md.get("LABELS").get("canary").isTextual()).isTrue();
    assertThat(md.get("LABELS").get("app").asText()).isEqualTo("web");
  }

  @Test
  void explicitNamespaceAndIpsOverrideWhatTheNodeIdSays() throws Exception {
    JsonNode md = parse(Bootstrap.forProxy(SIDECAR).namespace("other")
        .instanceIps(List.of("10.0.0.1", "fd00::1"))).get("node").get("metadata");
    assertThat(md.get("NAMESPACE").asText()).isEqualTo("other");
    assertThat(md.get("INSTANCE_IPS").asText()).isEqualTo("10.0.0.1,fd00::1");
  }

  @Test
  void adsPointsAtTheXdsGrpcClusterOverHttp2() throws Exception {
    JsonNode root = parse(Bootstrap.forProxy(SIDECAR).xds("127.0.0.1", 25010).adminPort(25000));

    JsonNode ads = root.at("/dynamic_resources/ads_config");
    assertThat(ads.get("api_type").asText()).isEqualTo("GRPC");
    assertThat(ads.get("transport_api_version").asText()).isEqualTo("V3");
    assertThat(ads.get("set_node_on_first_message_only").asBoolean()).isTrue();
    assertThat(ads.at("/grpc_services/0/envoy_grpc/cluster_name").asText()).isEqualTo("xds-grpc");
    for (String type : List.of("cds_config", "lds_config")) {
      JsonNode source = root.at("/dynamic_resources/" + type);
      assertThat(source.get("ads").isObject()).isTrue();
      assertThat(source.get("resource_api_version").asText()).isEqualTo("V3");
      assertThat(source.has("initial_fetch_timeout")).isFalse();
    }

    JsonNode cluster = root.at("/static_resources/clusters/0");
    assertThat(cluster.get("name").asText()).isEqualTo("xds-grpc");
    assertThat(cluster.get("type").asText()).isEqualTo("STATIC");
    JsonNode options = cluster.get("typed_extension_protocol_options")
        .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    assertThat(options.get("@type").asText())
        .isEqualTo("type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    assertThat(options.at("/explicit_http_config/http2_protocol_options").isObject()).isTrue();
    JsonNode address = cluster.at("/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address");
    assertThat(address.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(address.get("port_value").asInt()).isEqualTo(25010);

    JsonNode admin = root.at("/admin/address/socket_address");
    assertThat(admin.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(admin.get("port_value").asInt()).isEqualTo(25000);
  }

  @Test
  void deltaSwitchesTheAdsApiType() throws Exception {
    JsonNode root = parse(Bootstrap.forProxy(SIDECAR).delta(true));
    assertThat(root.at("/dynamic_resources/ads_config/api_type").asText()).isEqualTo("DELTA_GRPC");
  }

  @Test
  void hostNameControlPlaneIsResolvedByDns() throws Exception {
    JsonNode cluster = parse(Bootstrap.forProxy(SIDECAR).xds("bosun.bosun-system.svc", 15010))
        .at("/static_resources/clusters/0");
    assertThat(cluster.get("type").asText()).isEqualTo("STRICT_DNS");
  }

  @Test
  void initialFetchTimeoutIsWrittenAsProtoDuration() throws Exception {
    JsonNode root = parse(Bootstrap.forProxy(SIDECAR).initialFetchTimeout(Duration.ofMillis(1500)));
    assertThat(root.at("/dynamic_resources/cds_config/initial_fetch_timeout").asText()).isEqualTo("1.500s");
    assertThat(root.at("/dynamic_resources/lds_config/initial_fetch_timeout").asText()).isEqualTo("1.500s");
  }

  @Test
  void outputIsDeterministicWhateverTheLabelOrder() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("b", "2");
    a.put("a", "1");
    Map<String, String> b = new LinkedHashMap<>();
    b.put("a", "1");
    b.put("b", "2");
    String first = Bootstrap.forProxy(SIDECAR).labels(a).toYaml();
    assertThat(Bootstrap.forProxy(SIDECAR).labels(b).toYaml()).isEqualTo(first);
    assertThat(first.indexOf("\"a\": \"1\"")).isLessThan(first.indexOf("\"b\": \"2\""));
  }

  @Test
  void routerNodeIdDefaultsNamespaceFromTheId() throws Exception {
    JsonNode md = parse(Bootstrap.forProxy("router~10.9.8.7~ingress-abc.istio-system~istio-system.svc.cluster.local"))
        .get("node").get("metadata");
    assertThat(md.get("NAMESPACE").asText()).isEqualTo("istio-system");
  }

  @Test
  void rejectsImpossiblePorts() {
    assertThatThrownBy(() -> Bootstrap.forProxy(SIDECAR).adminPort(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Bootstrap.forProxy(SIDECAR).xds("127.0.0.1", 70000))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
