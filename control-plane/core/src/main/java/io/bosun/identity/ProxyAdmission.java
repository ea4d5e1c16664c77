package io.bosun.identity;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bosun.model.PodInfo;
import io.bosun.model.Proxy;
import io.bosun.model.WorkloadEntry;
import io.bosun.translate.ProxyIdentity;
import io.bosun.xds.auth.AdmissionException;
import io.bosun.xds.auth.Caller;
import io.bosun.xds.auth.Identity;
import io.bosun.xds.auth.NodeAdmission;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Binds an xDS stream's node to what its caller proved. An authenticated caller may only be a
 * proxy of its own namespace and service account, and, when its token is bound to a pod, only
 * that pod; when Bosun knows the pod, the node must have its IP and gets its real labels (which
 * decide Gateway selection and sourceLabels routes) whatever it claims. A VM's proxy, whose token
 * names no pod, is held to its WorkloadEntry in the same way when one has its name. An anonymous
 * caller gets no identity, except from loopback where the operator chose to trust claims
 * (standalone mode).
 */
public final class ProxyAdmission implements NodeAdmission {
  private final BiFunction<String, String, Optional<PodInfo>> pods;
  private final BiFunction<String, String, Optional<WorkloadEntry>> entries;
  private final Supplier<String> trustDomain;
  private final boolean trustLoopbackClaims;

  /**
   * @param pods                looks up pod {@code (namespace, name)} as Bosun knows it
   * @param trustLoopbackClaims whether an anonymous caller on loopback is who its node says it is
   */
  public ProxyAdmission(BiFunction<String, String, Optional<PodInfo>> pods, Supplier<String> trustDomain,
                        boolean trustLoopbackClaims) {
    this(pods, (ns, name) -> Optional.empty(), trustDomain, trustLoopbackClaims);
  }

  /** @param entries looks up WorkloadEntry {@code (namespace, name)} as Bosun knows it */
  public ProxyAdmission(BiFunction<String, String, Optional<PodInfo>> pods,
                        BiFunction<String, String, Optional<WorkloadEntry>> entries, Supplier<String> trustDomain,
                        boolean trustLoopbackClaims) {
    this.pods = pods;
    this.entries = entries;
    this.trustDomain = trustDomain;
    this.trustLoopbackClaims = trustLoopbackClaims;
  }

  @Override
  public Admitted admit(Caller caller, Node node) throws AdmissionException {
    Proxy claimed = ProxyIdentity.of(node);
    String idNamespace = idNamespace(node.getId());
    if (!idNamespace.isEmpty() && !idNamespace.equals(claimed.namespace())) {
      throw new AdmissionException("node " + node.getId() + " names namespace " + idNamespace
          + " in its id but " + claimed.namespace() + " in its metadata");
    }
    String claimedAccount = metadata(node, "SERVICE_ACCOUNT");
    if (caller.identity().isEmpty()) {
      if (trustLoopbackClaims && caller.loopback()) {
        return new Admitted(node, Optional.of(new Identity(trustDomain.get(), claimed.namespace(),
            claimedAccount.isEmpty() ? "default" : claimedAccount, claimed.podName())));
      }
      return new Admitted(node, Optional.empty());
    }
    Identity id = caller.identity().get();
    if (!claimed.namespace().equals(id.namespace())) {
      throw new AdmissionException("node " + node.getId() + " claims namespace " + claimed.namespace()
          + ", but the caller is " + id.spiffeId());
    }
    if (!claimedAccount.isEmpty() && !claimedAccount.equals(id.serviceAccount())) {
      throw new AdmissionException("node " + node.getId() + " claims service account " + claimedAccount
          + ", but the caller is " + id.spiffeId());
    }
    if (!id.pod().isEmpty() && !claimed.podName().isEmpty() && !claimed.podName().equals(id.pod())) {
      throw new AdmissionException("node " + node.getId() + " claims pod " + claimed.podName()
          + ", but the caller's token is bound to pod " + id.pod());
    }
    String podName = id.pod().isEmpty() ? claimed.podName() : id.pod();
    Optional<PodInfo> pod = podName.isEmpty() ? Optional.empty() : pods.apply(id.namespace(), podName);
    if (pod.isEmpty()) {
      Optional<WorkloadEntry> entry = id.pod().isEmpty() && !podName.isEmpty()
          ? entries.apply(id.namespace(), podName) : Optional.empty();
      return entry.isEmpty() ? new Admitted(node, Optional.of(id)) : admitEntry(node, claimed, id, entry.get());
    }
    PodInfo p = pod.get();
    if (!p.serviceAccount().equals(id.serviceAccount())) {
      throw new AdmissionException("node " + node.getId() + " claims pod " + podName
          + ", which runs as service account "
          + p.serviceAccount() + ", but the caller is " + id.spiffeId());
    }
    if (!claimed.ip().isEmpty() && !p.ip().isEmpty() && !claimed.ip().equals(p.ip())) {
      throw new AdmissionException("node " + node.getId() + " claims IP " + claimed.ip() + ", but pod " + podName
          + " has IP " + p.ip());
    }
    return new Admitted(withLabels(node, p.labels()), Optional.of(id));
  }

  private static Admitted admitEntry(Node node, Proxy claimed, Identity id, WorkloadEntry e)
      throws AdmissionException {
    if (!e.serviceAccount().equals(id.serviceAccount())) {
      throw new AdmissionException("node " + node.getId() + " claims WorkloadEntry " + e.ref().name()
          + ", which runs as service account " + e.serviceAccount() + ", but the caller is " + id.spiffeId());
    }
    if (!claimed.ip().isEmpty() && !claimed.ip().equals(e.address())) {
      throw new AdmissionException("node " + node.getId() + " claims IP " + claimed.ip() + ", but WorkloadEntry "
          + e.ref().name() + " has address " + e.address());
    }
    return new Admitted(withLabels(node, e.labels()), Optional.of(id));
  }

  /** The namespace part of {@code type~ip~pod.ns~ns.svc.domain}, or empty. */
  private static String idNamespace(String id) {
    String[] parts = id.split("~", -1);
    if (parts.length < 3) {
      return "";
    }
    int dot = parts[2].indexOf('.');
    return dot < 0 ? "" : parts[2].substring(dot + 1);
  }

  private static String metadata(Node node, String key) {
    Value v = node.getMetadata().getFieldsOrDefault(key, Value.getDefaultInstance());
    return v.hasStringValue() ? v.getStringValue() : "";
  }

  /** The node with LABELS set to the pod's labels (sorted, so equal labels give an equal node). */
  private static Node withLabels(Node node, Map<String, String> labels) {
    Struct.Builder s = Struct.newBuilder();
    new TreeMap<>(labels).forEach((k, v) -> s.putFields(k, Value.newBuilder().setStringValue(v).build()));
    Value wanted = Value.newBuilder().setStructValue(s).build();
    if (wanted.equals(node.getMetadata().getFieldsOrDefault("LABELS", Value.getDefaultInstance()))) {
      return node;
    }
    Node.Builder b = node.toBuilder();
    b.getMetadataBuilder().putFields("LABELS", wanted);
    return b.build();
  }
}
