package io.bosun.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.model.Kind;
import io.bosun.model.PodInfo;
import io.bosun.model.ResourceRef;
import io.bosun.model.WorkloadEntry;
import io.bosun.xds.auth.AdmissionException;
import io.bosun.xds.auth.Caller;
import io.bosun.xds.auth.Identity;
import io.bosun.xds.auth.NodeAdmission;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A node is admitted only as what its caller proved (findings 1 and 2: claims are not identity). */
class ProxyAdmissionTest {
  static final PodInfo WEB_1 = new PodInfo(new ResourceRef(Kind.POD, "shop", "web-1"), "10.0.0.1",
      Map.of("app", "web", "version", "v1"), "node-a", "web");
  static final ProxyAdmission ADMISSION = new ProxyAdmission(
      (ns, name) -> ns.equals("shop") && name.equals("web-1") ? Optional.of(WEB_1) : Optional.empty(),
      () -> "cluster.local", false);

  static Caller caller(Identity id) {
    return Caller.of(Optional.ofNullable(id), new InetSocketAddress("10.9.9.9", 1234), true);
  }

  static Node node(String id, String namespace, String serviceAccount, Map<String, String> labels) {
    Struct.Builder l = Struct.newBuilder();
    labels.forEach((k, v) -> l.putFields(k, Value.newBuilder().setStringValue(v).build()));
    Struct.Builder md = Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
        .putFields("LABELS", Value.newBuilder().setStructValue(l).build());
    if (serviceAccount != null) {
      md.putFields("SERVICE_ACCOUNT", Value.newBuilder().setStringValue(serviceAccount).build());
    }
    return Node.newBuilder().setId(id).setMetadata(md).build();
  }

  static final Identity WEB_POD = new Identity("cluster.local", "shop", "web", "web-1");

  @Test
  void theTruthIsAdmittedWithThePodsRealLabels() throws Exception {
    NodeAdmission.Admitted a = ADMISSION.admit(caller(WEB_POD),
        node("sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", "shop", "web", Map.of("istio", "ingressgateway")));
    assertThat(a.identity()).contains(WEB_POD);
    // claimed labels (which select Gateways and sourceLabels routes) are replaced by the pod's
    assertThat(a.node().getMetadata().getFieldsOrThrow("LABELS").getStructValue().getFieldsMap())
        .containsOnlyKeys("app", "version");
  }

  @Test
  void anotherNamespaceIsRefused() {
    assertThatThrownBy(() -> ADMISSION.admit(caller(WEB_POD),
        node("router~10.0.0.1~gw.istio-system~istio-system.svc.cluster.local", "istio-system", null, Map.of())))
        .isInstanceOf(AdmissionException.class).hasMessageContaining("claims namespace istio-system");
    // namespace only in metadata, the id says another one
    assertThatThrownBy(() -> ADMISSION.admit(caller(WEB_POD),
        node("sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", "payments", null, Map.of())))
        .isInstanceOf(AdmissionException.class).hasMessageContaining("names namespace shop in its id");
  }

  @Test
  void anotherServiceAccountPodOrIpIsRefused() {
    assertThatThrownBy(() -> ADMISSION.admit(caller(WEB_POD),
        node("sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", "shop", "admin", Map.of())))
        .hasMessageContaining("claims service account admin");
    assertThatThrownBy(() -> ADMISSION.admit(caller(WEB_POD),
        node("sidecar~10.0.0.2~web-2.shop~shop.svc.cluster.local", "shop", "web", Map.of())))
        .hasMessageContaining("bound to pod web-1");
    assertThatThrownBy(() -> ADMISSION.admit(caller(WEB_POD),
        node("sidecar~10.0.0.2~web-1.shop~shop.svc.cluster.local", "shop", "web", Map.of())))
        .hasMessageContaining("has IP 10.0.0.1");
    // a token not bound to a pod may not claim a pod that runs as someone else
    Identity db = new Identity("cluster.local", "shop", "db", "");
    assertThatThrownBy(() -> ADMISSION.admit(caller(db),
        node("sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", "shop", "db", Map.of())))
        .hasMessageContaining("runs as service account web");
  }

  @Test
  void anonymousCallersGetNoIdentityUnlessLoopbackClaimsAreTrusted() throws Exception {
    Node n = node("sidecar~10.0.0.1~web-1.shop~shop.svc.cluster.local", "shop", "web", Map.of());
    assertThat(ADMISSION.admit(caller(null), n).identity()).isEmpty();
    ProxyAdmission standalone = new ProxyAdmission((ns, name) -> Optional.empty(), () -> "cluster.local", true);
    assertThat(standalone.admit(Caller.of(Optional.empty(), new InetSocketAddress("127.0.0.1", 1), false), n)
        .identity()).contains(new Identity("cluster.local", "shop", "web", "web-1"));
    // not from elsewhere, even in standalone
    assertThat(standalone.admit(caller(null), n).identity()).isEmpty();
  }

  @Test
  void aVmsProxyIsHeldToItsWorkloadEntry() throws Exception {
    WorkloadEntry vm = new WorkloadEntry(new ResourceRef(Kind.WORKLOAD_ENTRY, "shop", "vm-1"), "10.0.3.7", Map.of(),
        Map.of("app", "legacy"), "", "", 0, "legacy", true);
    ProxyAdmission admission = new ProxyAdmission((ns, name) -> Optional.empty(),
        (ns, name) -> ns.equals("shop") && name.equals("vm-1") ? Optional.of(vm) : Optional.empty(),
        () -> "cluster.local", false);
    Identity legacy = new Identity("cluster.local", "shop", "legacy", "");
    NodeAdmission.Admitted a = admission.admit(caller(legacy),
        node("sidecar~10.0.3.7~vm-1.shop~shop.svc.cluster.local", "shop", "legacy", Map.of("app", "payments")));
    assertThat(a.node().getMetadata().getFieldsOrThrow("LABELS").getStructValue().getFieldsMap())
        .as("the entry's labels, not the claimed ones").containsOnlyKeys("app")
        .hasEntrySatisfying("app", v -> assertThat(v.getStringValue()).isEqualTo("legacy"));
    assertThatThrownBy(() -> admission.admit(caller(legacy),
        node("sidecar~10.0.3.8~vm-1.shop~shop.svc.cluster.local", "shop", "legacy", Map.of())))
        .isInstanceOf(AdmissionException.class).hasMessageContaining("has address 10.0.3.7");
    assertThatThrownBy(() -> admission.admit(caller(new Identity("cluster.local", "shop", "other", "")),
        node("sidecar~10.0.3.7~vm-1.shop~shop.svc.cluster.local", "shop", "other", Map.of())))
        .isInstanceOf(AdmissionException.class).hasMessageContaining("runs as service account legacy");
  }
}
