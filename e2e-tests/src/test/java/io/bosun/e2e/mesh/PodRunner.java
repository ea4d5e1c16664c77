package io.bosun.e2e.mesh;

import io.bosun.e2e.cluster.RealCluster;
import io.bosun.envoy.EnvoyBinary;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of the fake node: for every pod kwok runs, a network namespace with the pod's IP,
 * and in it what the (injected) pod spec says: init containers in order (the interception rules),
 * the native sidecar, the app. Images map to this project's programs: the Bosun image is the
 * Bosun CLI, the Envoy image the pinned Envoy (as the uid its securityContext names),
 * {@code bosun-e2e/echo} an echo server answering with its pod's app and version labels, and
 * {@code bosun-e2e/client} nothing (tests run curl in it). Bosun's own pod runs on the host with
 * its pod IP added to the bridge and its ports bound to that IP, so the API server and the
 * sidecars reach it there, and a second Bosun pod can run beside it. Each pod's ports are
 * port-forwardable through the API server (kwok serves the node's port-forwards as this runner
 * tells it, with socat into the pod's network namespace).
 */
final class PodRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
  static final int ENVOY_ADMIN_PORT = 15000;

  /** A running pod; {@code hosts} is what its resolver answers (empty for Bosun's pod, on the host). */
  record Running(String namespace, String netns, String ip, List<Process> processes, Map<String, String> hosts) {
  }

  private final KubernetesClient k;
  private final RealCluster cluster;
  private final MeshNetwork network;
  private final Path dir;
  private final Path envoy;
  private final Map<String, Running> pods = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Pod> informer;
  private volatile String bosunIp = "";

  PodRunner(RealCluster cluster, MeshNetwork network) throws IOException {
    this.cluster = cluster;
    this.k = cluster.client();
    this.network = network;
    this.dir = Files.createTempDirectory("bosun-mesh-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    this.envoy = dir.resolve("envoy");
    try {
      Files.createLink(envoy, EnvoyBinary.require());
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(EnvoyBinary.require(), envoy, StandardCopyOption.REPLACE_EXISTING);
    }
    informer = k.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod p) {
        maybeStart(p);
      }

      @Override
      public void onUpdate(Pod old, Pod p) {
        if (p.getStatus() != null && old.getStatus() != null
            && !Objects.equals(old.getStatus().getPhase(), p.getStatus().getPhase())) {
          LOG.info("Pod {}: {} -> {}", key(p), old.getStatus().getPhase(), p.getStatus().getPhase());
        }
        maybeStart(p);
      }

      @Override
      public void onDelete(Pod p, boolean unknown) {
        LOG.info("Pod {}: deleted; stopping its processes", key(p));
        Running r = pods.remove(key(p));
        if (r != null) {
          stop(r);
          if (r.netns() != null) {
            network.removePod(r.netns());
          } else {
            network.removeHostAddress(r.ip());
          }
          if (r.ip().equals(bosunIp)) {
            // what the Service's name answers moves to a Bosun pod still running, if any
            pods.values().stream().filter(o -> o.netns() == null).reduce((a, b) -> b)
                .ifPresent(o -> resolveBosun(o.ip()));
          }
        }
      }
    });
  }

  static String key(Pod p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
  }

  Running pod(String namespace, String name) {
    return pods.get(namespace + "/" + name);
  }

  List<Running> podsWithPrefix(String namespace, String prefix) {
    return pods.entrySet().stream().filter(e -> e.getKey().startsWith(namespace + "/" + prefix))
        .map(Map.Entry::getValue).toList();
  }

  private synchronized void maybeStart(Pod p) {
    if (!RealCluster.NODE.equals(p.getSpec().getNodeName()) || p.getStatus() == null
        || p.getStatus().getPodIP() == null || pods.containsKey(key(p)) || p.getMetadata()
            .getDeletionTimestamp() != null) {
      return;
    }
    try {
      pods.put(key(p), start(p));
    } catch (RuntimeException e) {
      LOG.error("Pod {}: cannot start", key(p), e);
    }
  }

  private Running start(Pod p) {
    String ip = p.getStatus().getPodIP();
    Map<String, String> env = new TreeMap<>(Map.of("metadata.name", p.getMetadata().getName(),
        "metadata.namespace", p.getMetadata().getNamespace(), "status.podIP", ip,
        "spec.serviceAccountName", p.getSpec().getServiceAccountName() == null ? "default"
            : p.getSpec().getServiceAccountName()));
    List<Process> processes = new ArrayList<>();
    if ("bosun".equals(p.getMetadata().getLabels().get("app"))) {
      network.addHostAddress(ip);
      Container c = p.getSpec().getContainers().get(0);
      List<String> cmd = new ArrayList<>(javaMain());
      cmd.addAll(expand(c.getArgs(), c, env));
      // the pod's ServiceAccount token, as in the pod: Bosun gets exactly the chart's RBAC
      try {
        cmd.addAll(List.of("--kubeconfig", cluster.serviceAccountKubeconfig(p.getMetadata().getNamespace(),
            env.get("spec.serviceAccountName")).toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // the pod's own address only, as in its own network namespace: a second Bosun pod (a rolling
      // restart) binds the same ports on its own IP
      for (String option : List.of("--xds-address", "--xds-tls-address", "--monitoring-address",
          "--webhook-address", "--readiness-address")) {
        cmd.addAll(List.of(option, ip));
      }
      processes.add(launch(null, null, key(p) + "-" + c.getName(), cmd, Map.of("POD_NAME", p.getMetadata().getName(),
          "POD_NAMESPACE", p.getMetadata().getNamespace())));
      LOG.info("Pod {}: Bosun on the host at {}", key(p), ip);
      // in its own network namespace a port-forward would reach Bosun on the pod's loopback; here
      // it listens on the pod IP only, so the forward connects there from loopback
      forwardPorts(p, port -> List.of("socat", "-", "TCP4:" + ip + ":" + port + ",bind=127.0.0.1"));
      resolveBosun(ip);
      return new Running(p.getMetadata().getNamespace(), null, ip, processes, Map.of());
    }
    Map<String, String> hosts = hosts(p.getMetadata().getNamespace());
    Map<String, Path> volumes = volumes(p);
    String netns = network.addPod(ip, hosts);
    Running r = new Running(p.getMetadata().getNamespace(), netns, ip, processes, hosts);
    for (Container c : list(p.getSpec().getInitContainers())) {
      boolean sidecar = "Always".equals(c.getRestartPolicy());
      Process proc = run(netns, c, env, key(p), volumes);
      if (proc == null) {
        continue;
      }
      processes.add(proc);
      if (!sidecar) {
        try {
          if (!proc.waitFor(60, TimeUnit.SECONDS) || proc.exitValue() != 0) {
            throw new IllegalStateException("init container " + c.getName() + " of " + key(p) + " failed");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
    for (Container c : list(p.getSpec().getContainers())) {
      Process proc = run(netns, c, env, key(p), volumes);
      if (proc != null) {
        processes.add(proc);
      }
    }
    forwardPorts(p, port -> List.of("ip", "netns", "exec", netns, "socat", "-", "TCP4:127.0.0.1:" + port));
    LOG.info("Pod {}: running in {} at {} ({} processes)", key(p), netns, ip, processes.size());
    return r;
  }

  /**
   * What the kubelet's container runtime does for a port-forward (the API server's pods/portforward,
   * which kwok's server answers for this node): a stream to the port on the pod's loopback.
   * {@code command} connects one stream of a port; every port a container declares is forwarded,
   * and the sidecar's Envoy admin port (15000, which Istio's injection never declares).
   */
  private void forwardPorts(Pod p, IntFunction<List<String>> command) {
    Map<Integer, List<String>> commands = new TreeMap<>();
    List<Container> containers = new ArrayList<>(list(p.getSpec().getInitContainers()));
    containers.addAll(list(p.getSpec().getContainers()));
    for (Container c : containers) {
      list(c.getPorts()).forEach(port -> commands.put(port.getContainerPort(), command.apply(port.getContainerPort())));
      if (c.getImage().startsWith("envoyproxy/envoy")) {
        commands.put(ENVOY_ADMIN_PORT, command.apply(ENVOY_ADMIN_PORT));
      }
    }
    if (commands.isEmpty()) {
      return;
    }
    try {
      cluster.forwardPodPorts(p.getMetadata().getNamespace(), p.getMetadata().getName(), p.getMetadata().getUid(),
          commands);
    } catch (RuntimeException e) {
      // the pod runs (its processes are started) without port-forwards: a tool that needs one says so
      LOG.warn("Pod {}: no port-forwards: {}", key(p), e.toString());
    }
  }

  /**
   * Points Bosun's Service name at {@code ip} in every pod's resolver (a DNS answer for the one
   * ready endpoint, as there is no kube-proxy here); sidecars re-resolve their xDS address.
   */
  private synchronized void resolveBosun(String ip) {
    bosunIp = ip;
    // only Bosun's names change, so each file keeps its size and is rewritten in place: a
    // resolver reading it meanwhile never sees it empty (the other names' bytes never move)
    pods.forEach((key, r) -> {
      if (r.netns() != null) {
        Map<String, String> next = new TreeMap<>(r.hosts());
        next.replaceAll((name, addr) -> isBosunName(name) ? ip : addr);
        network.writeHosts(r.netns(), next);
      }
    });
    LOG.info("Bosun's Service name now resolves to {}", ip);
  }

  private static boolean isBosunName(String name) {
    return name.equals("bosun") || name.startsWith("bosun.");
  }

  /** Service names as a pod's resolver would answer them; Bosun's own name to its pod IP (no kube-proxy here). */
  private Map<String, String> hosts(String podNamespace) {
    Map<String, String> out = new TreeMap<>();
    for (Service s : k.services().inAnyNamespace().list().getItems()) {
      String ip = s.getSpec().getClusterIP();
      if (ip == null || ip.equals("None")) {
        continue;
      }
      String n = s.getMetadata().getName();
      String ns = s.getMetadata().getNamespace();
      if (n.equals("bosun") && !bosunIp.isEmpty()) {
        ip = bosunIp;
      }
      out.put(n + "." + ns + ".svc.cluster.local", ip);
      out.put(n + "." + ns + ".svc", ip);
      out.put(n + "." + ns, ip);
      if (ns.equals(podNamespace)) {
        out.put(n, ip);
      }
    }
    return out;
  }

  /**
   * The pod's volumes as the kubelet makes them, each a directory under the runner's: a projected
   * service-account token (from the TokenRequest API, bound to the pod, with the audience and
   * lifetime the spec asks for), a ConfigMap's keys as files (waiting for it, as the kubelet
   * holds the pod until it exists), an emptyDir.
   */
  private Map<String, Path> volumes(Pod p) {
    Map<String, Path> out = new TreeMap<>();
    Path base = dir.resolve("volumes").resolve(key(p).replace('/', '_'));
    for (Volume v : list(p.getSpec().getVolumes())) {
      Path d = base.resolve(v.getName());
      try {
        Files.createDirectories(d);
        if (v.getProjected() != null) {
          for (VolumeProjection source : list(v.getProjected().getSources())) {
            ServiceAccountTokenProjection t = source.getServiceAccountToken();
            if (t != null) {
              writeReadable(d.resolve(t.getPath()), token(p, t));
            }
          }
        } else if (v.getConfigMap() != null) {
          ConfigMap cm = awaitConfigMap(p.getMetadata().getNamespace(), v.getConfigMap().getName());
          for (Map.Entry<String, String> e : cm.getData().entrySet()) {
            writeReadable(d.resolve(e.getKey()), e.getValue());
          }
        }
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.put(v.getName(), d);
    }
    return out;
  }

  private String token(Pod p, ServiceAccountTokenProjection t) {
    String sa = p.getSpec().getServiceAccountName() == null ? "default" : p.getSpec().getServiceAccountName();
    return k.serviceAccounts().inNamespace(p.getMetadata().getNamespace()).withName(sa)
        .tokenRequest(new TokenRequestBuilder().withNewSpec()
            .withAudiences(t.getAudience() == null ? List.of() : List.of(t.getAudience()))
            .withExpirationSeconds(t.getExpirationSeconds() == null ? 3600L : t.getExpirationSeconds())
            .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(p.getMetadata().getName())
            .withUid(p.getMetadata().getUid()).endBoundObjectRef()
            .endSpec().build())
        .getStatus().getToken();
  }

  private ConfigMap awaitConfigMap(String namespace, String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      ConfigMap cm = k.configMaps().inNamespace(namespace).withName(name).get();
      if (cm != null && cm.getData() != null) {
        return cm;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("ConfigMap " + namespace + "/" + name + " never appeared");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static void writeReadable(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private Process run(String netns, Container c, Map<String, String> fields, String pod, Map<String, Path> volumes) {
    String image = c.getImage();
    Integer uid = c.getSecurityContext() == null || c.getSecurityContext().getRunAsUser() == null ? null
        : c.getSecurityContext().getRunAsUser().intValue();
    List<String> cmd = new ArrayList<>();
    Map<String, String> env = new TreeMap<>();
    if (image.startsWith("ghcr.io/bosun-mesh/bosun")) {
      cmd.addAll(javaMain());
      cmd.addAll(expand(c.getArgs(), c, fields));
      uid = null; // the init container's root
    } else if (image.startsWith("envoyproxy/envoy")) {
      cmd.add(envoy.toString());
      cmd.addAll(expand(c.getArgs(), c, fields));
    } else if (image.startsWith("bosun-e2e/echo")) {
      Map<String, String> labels = k.pods().inNamespace(fields.get("metadata.namespace"))
          .withName(fields.get("metadata.name")).get().getMetadata().getLabels();
      int port = c.getPorts() == null || c.getPorts().isEmpty() ? 8080 : c.getPorts().get(0).getContainerPort();
      cmd.addAll(List.of(java(), "-cp", System.getProperty("java.class.path"), "io.bosun.demo.EchoServer",
          labels.getOrDefault("app", "app"), labels.getOrDefault("version", "v1"), Integer.toString(port), "0.0.0.0"));
      for (EnvVar e : list(c.getEnv())) {
        if (e.getValue() != null) {
          env.put(e.getName(), e.getValue());
        } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
          env.put(e.getName(), fields.getOrDefault(e.getValueFrom().getFieldRef().getFieldPath(), ""));
        }
      }
      uid = null;
    } else {
      return null; // bosun-e2e/client and anything else: nothing runs
    }
    List<String> mounts = new ArrayList<>();
    for (VolumeMount m : list(c.getVolumeMounts())) {
      Path source = volumes.get(m.getName());
      if (source == null) {
        throw new IllegalStateException(pod + " container " + c.getName() + " mounts unknown volume " + m.getName());
      }
      mounts.add(source.toString());
      mounts.add(m.getMountPath());
    }
    return launch(netns, uid, pod + "-" + c.getName(), cmd, env, mounts);
  }

  private Process launch(String netns, Integer uid, String name, List<String> cmd, Map<String, String> env) {
    return launch(netns, uid, name, cmd, env, List.of());
  }

  /**
   * Starts {@code cmd} in the pod's network namespace; {@code mounts} (source, path pairs) are bind
   * mounts that only this process sees: {@code ip netns exec} gives it a mount namespace of its own.
   */
  private Process launch(String netns, Integer uid, String name, List<String> cmd, Map<String, String> env,
                         List<String> mounts) {
    List<String> full = new ArrayList<>();
    if (netns != null) {
      full.addAll(List.of("ip", "netns", "exec", netns));
    }
    if (!mounts.isEmpty()) {
      for (int i = 1; i < mounts.size(); i += 2) {
        try {
          // the mount point must exist; /var/run is a tmpfs, so these empty directories are transient
          Files.createDirectories(Path.of(mounts.get(i)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      full.addAll(List.of("sh", "-c",
          "while [ \"$1\" != -- ]; do mount --bind \"$1\" \"$2\" || exit 1; shift 2; done; shift; exec \"$@\"",
          "mounts"));
      full.addAll(mounts);
      full.add("--");
    }
    if (uid != null) {
      full.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    full.addAll(cmd);
    try {
      ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
          .redirectOutput(dir.resolve(name.replace('/', '_') + ".log").toFile());
      pb.environment().putAll(env);
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A VM outside any pod network: its own network namespace on the mesh's bridge at {@code ip}
   * with the service names of {@code namespace} in its hosts file, the interception rules a VM's
   * proxy installation sets up ({@code bosun intercept}, defaults), plain Envoy as uid 1337 with
   * {@code bootstrap}, and the echo app {@code app} on {@code port}. No Pod: Kubernetes knows it
   * only through its WorkloadEntry. Stopped by {@link #stopVm} or when the runner closes.
   */
  synchronized Running startVm(String name, String namespace, String ip, Path bootstrap, String app, int port) {
    Map<String, String> hosts = hosts(namespace);
    String netns = network.addPod(ip, hosts);
    List<Process> processes = new ArrayList<>();
    Running r = new Running(namespace, netns, ip, processes, hosts);
    pods.put("vm/" + name, r);
    List<String> intercept = new ArrayList<>(javaMain());
    intercept.add("intercept");
    Process rules = launch(netns, null, "vm/" + name + "-intercept", intercept, Map.of());
    try {
      if (!rules.waitFor(60, TimeUnit.SECONDS) || rules.exitValue() != 0) {
        throw new IllegalStateException("the interception rules of VM " + name + " failed: "
            + log("vm", name + "-intercept"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    processes.add(launch(netns, 1337, "vm/" + name + "-envoy", List.of(envoy.toString(), "-c", bootstrap.toString(),
        "--disable-hot-restart", "--log-level", "warning"), Map.of()));
    processes.add(launch(netns, null, "vm/" + name + "-app", List.of(java(), "-cp",
        System.getProperty("java.class.path"), "io.bosun.demo.EchoServer", app, "vm", Integer.toString(port),
        "0.0.0.0"), Map.of()));
    LOG.info("VM {}: running in {} at {}", name, netns, ip);
    return r;
  }

  String vmNetns(String name) {
    return pods.get("vm/" + name).netns();
  }

  synchronized void stopVm(String name) {
    Running r = pods.remove("vm/" + name);
    if (r != null) {
      stop(r);
      network.removePod(r.netns());
    }
  }

  String log(String namespace, String podContainer) {
    try {
      return Files.readString(dir.resolve(namespace + "_" + podContainer + ".log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static List<String> expand(List<String> args, Container c, Map<String, String> fields) {
    List<String> out = new ArrayList<>();
    for (String a : list(args)) {
      String s = a;
      for (EnvVar e : list(c.getEnv())) {
        String v = e.getValue() != null ? e.getValue()
            : e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                ? fields.getOrDefault(e.getValueFrom().getFieldRef().getFieldPath(), "")
            : e.getValueFrom() != null && e.getValueFrom().getResourceFieldRef() != null
                ? resource(c, e.getValueFrom().getResourceFieldRef()) : "";
        s = s.replace("$(" + e.getName() + ")", v);
      }
      out.add(s);
    }
    return out;
  }

  /**
   * What the kubelet puts in a resourceFieldRef variable: the container's limit (or request) in units
   * of the divisor, rounded up; for a limit the container does not set, the node's capacity (here, this
   * machine's CPUs). Only the CPU is asked for (the injected proxy's ISTIO_CPU_LIMIT).
   */
  private static String resource(Container c, ResourceFieldSelector ref) {
    String[] kindAndName = ref.getResource().split("\\.", 2);
    Map<String, Quantity> set = c.getResources() == null ? null : kindAndName[0].equals("limits")
        ? c.getResources().getLimits() : c.getResources().getRequests();
    Quantity q = set == null ? null : set.get(kindAndName[1]);
    if (q == null) {
      return kindAndName[1].equals("cpu") ? Integer.toString(Runtime.getRuntime().availableProcessors()) : "0";
    }
    BigDecimal divisor = ref.getDivisor() == null ? BigDecimal.ONE : ref.getDivisor().getNumericalAmount();
    return q.getNumericalAmount().divide(divisor, 0, RoundingMode.CEILING).toPlainString();
  }

  private static List<String> javaMain() {
    return List.of(java(), "-cp", System.getProperty("java.class.path"), "io.bosun.cli.Main");
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static void stop(Running r) {
    for (Process p : r.processes()) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : r.processes()) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    informer.close();
    pods.values().forEach(PodRunner::stop);
    pods.clear();
  }
}
