package io.bosun.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.bosun.config.ConfigStore;
import io.bosun.model.Proxy;
import io.bosun.model.ProxyType;
import io.bosun.resources.XdsResources;
import io.bosun.testing.Golden;
import io.bosun.testing.Proxies;
import io.bosun.testing.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bookinfo sample's xDS, as golden files (update with -Dgolden.update=true and review the diff). */
class TranslationGoldenTest {
  static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(EnvoyTypes.REGISTRY);

  @Test
  void sidecarInDefaultNamespace() throws Exception {
    Golden.assertMatches("bookinfo-sidecar-default.json", render(generate(Proxies.sidecar("default"))));
  }

  @Test
  void sidecarInAnotherNamespaceGetsNoShortNames() throws Exception {
    XdsResources config = generate(Proxies.sidecar("other"));
    Golden.assertMatches("bookinfo-sidecar-other-routes.json", render(new XdsResources(List.of(), List.of(),
        List.of(), config.routes())));
  }

  /** A pod behind a service gets the inbound side: virtualInbound chains and inbound|9080|| for its port. */
  @Test
  void sidecarOfAServicePodServesItsInboundPort() throws Exception {
    Proxy reviewsV2 = new Proxy("sidecar~10.244.0.13~reviews-v2.default~default.svc.cluster.local",
        ProxyType.SIDECAR, "10.244.0.13", "reviews-v2", "default",
        Map.of("app", "reviews", "version", "v2"));
    XdsResources config = generate(reviewsV2);
    assertThat(config.clusters()).extracting(c -> c.getName()).contains("inbound|9080||", "InboundPassthroughCluster");
    Golden.assertMatches("bookinfo-sidecar-reviews-v2-inbound.json", render(new XdsResources(
        config.clusters().stream().filter(c -> c.getName().startsWith("inbound|")).toList(), List.of(),
        config.listeners().stream().filter(l -> l.getName().equals("virtualInbound")).toList(), List.of())));
  }

  @Test
  void ingressGateway() throws Exception {
    Golden.assertMatches("bookinfo-gateway.json", render(generate(Proxies.ingressGateway())));
  }

  @Test
  void outputIsByteIdenticalAcrossIndependentLoads() {
    Proxy proxy = Proxies.sidecar("default");
    XdsResources a = new ConfigGenerator(Samples.load("bookinfo").snapshot()).generate(proxy);
    XdsResources b = new ConfigGenerator(Samples.load("bookinfo").snapshot()).generate(proxy);
    assertThat(bytes(a)).isEqualTo(bytes(b));
  }

  static XdsResources generate(Proxy proxy) {
    ConfigStore store = Samples.load("bookinfo");
    assertThat(store.problems()).as("samples/bookinfo must be valid").isEmpty();
    return new ConfigGenerator(store.snapshot()).generate(proxy);
  }

  static String render(XdsResources config) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (List<? extends Message> list : List.of(config.clusters(), config.endpoints(), config.listeners(),
        config.routes())) {
      for (Message m : list) {
        sb.append(PRINTER.print(m)).append('\n');
      }
    }
    return sb.toString();
  }

  static List<ByteString> bytes(XdsResources c) {
    List<ByteString> out = new ArrayList<>();
    for (List<? extends Message> list : List.of(c.clusters(), c.endpoints(), c.listeners(), c.routes())) {
      list.forEach(m -> out.add(m.toByteString()));
    }
    return out;
  }
}
