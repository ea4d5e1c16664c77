package io.bosun.e2e.cluster;

import io.bosun.certs.Certificates;
import io.bosun.envoy.Ports;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd and kube-apiserver, and on request
 * kube-controller-manager, kube-scheduler and kwok with one fake node (so Pods run, get IPs
 * and EndpointSlices). Everything is stopped by PID on {@link #close()}.
 */
public final class RealCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RealCluster.class);
  static final String TOKEN = "bosun-e2e-admin-token";
  static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
  private PrivateKey serviceAccountKey;
  /** Ranges no real interface here uses; pods and services are never routed anywhere. */
  public static final String SERVICE_CIDR = "10.213.0.0/16";
  public static final String POD_CIDR = "10.214.0.0/16";
  public static final String NODE_POD_CIDR = "10.214.0.0/24";
  public static final String NODE = "kwok-node-0";
  private static final String KWOK_GROUP = "kwok.x-k8s.io";
  private static final String PORT_FORWARD_KIND = "PortForward";

  private final Path dir;
  private final boolean controllers;
  private final int etcdPort = Ports.freePort();
  private final int etcdPeerPort = Ports.freePort();
  private final int apiPort = Ports.freePort();
  /** kwok's server: the fake node's kubelet endpoint, which the API server proxies port-forwards to. */
  private final int kubeletPort = Ports.freePort();
  private final List<ManagedProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().sslContext(trustAll())
      .connectTimeout(Duration.ofSeconds(2)).build();
  private ManagedProcess apiServer;
  private KubernetesClient client;

  private RealCluster(boolean controllers) throws IOException {
    this.controllers = controllers;
    this.dir = Files.createTempDirectory("bosun-k8s-");
  }

  /** Starts etcd + kube-apiserver, and with {@code controllers} also controller-manager, scheduler and kwok. */
  public static RealCluster start(boolean controllers) {
    RealCluster cluster;
    try {
      cluster = new RealCluster(controllers);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    try {
      cluster.boot();
      return cluster;
    } catch (Exception | AssertionError e) {
      String logs = cluster.logs();
      cluster.close();
      throw new IllegalStateException("the test cluster did not start: " + e.getMessage() + "\n" + logs, e);
    }
  }

  private void boot() throws Exception {
    K8sBinaries.ALL.forEach(K8sBinaries::require);
    Files.writeString(dir.resolve("tokens.csv"), TOKEN + ",admin,admin,system:masters\n");
    writeServiceAccountKey();
    writeKubeletCertificates();
    Files.writeString(kubeconfigPath(), kubeconfig());
    processes.add(ManagedProcess.start("etcd", dir, List.of(bin("etcd"),
        "--data-dir", dir.resolve("etcd").toString(), "--name", "default",
        "--listen-client-urls", "http://127.0.0.1:" + etcdPort, "--advertise-client-urls", "http://127.0.0.1:" + etcdPort,
        "--listen-peer-urls", "http://127.0.0.1:" + etcdPeerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + etcdPeerPort,
        "--initial-cluster", "default=http://127.0.0.1:" + etcdPeerPort, "--unsafe-no-fsync")));
    startApiServer();
    if (controllers) {
      startControllers();
    }
  }

  /** (Re)starts kube-apiserver on the same port and etcd, and waits until it is ready. */
  public void startApiServer() throws IOException {
    apiServer = ManagedProcess.start("kube-apiserver", dir, List.of(bin("kube-apiserver"),
        "--etcd-servers", "http://127.0.0.1:" + etcdPort,
        "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", Integer.toString(apiPort),
        "--cert-dir", dir.resolve("certs").toString(),
        "--token-auth-file", dir.resolve("tokens.csv").toString(),
        "--authorization-mode", "RBAC",
        "--service-account-issuer", ISSUER,
        "--service-account-key-file", dir.resolve("sa.key").toString(),
        "--service-account-signing-key-file", dir.resolve("sa.key").toString(),
        "--service-cluster-ip-range", SERVICE_CIDR,
        "--enable-aggregator-routing=true",
        // the fake node's kubelet is kwok's server at the node's InternalIP (loopback); its name resolves nowhere
        "--kubelet-preferred-address-types", "InternalIP",
        "--kubelet-certificate-authority", dir.resolve("kubelet-ca.crt").toString(),
        "--disable-admission-plugins", "ServiceAccount",
        "--allow-privileged=true"));
    processes.add(apiServer);
    awaitReady(Duration.ofSeconds(90));
  }

  /** Stops kube-apiserver only (etcd keeps the data), as an outage would. */
  public void stopApiServer() {
    apiServer.close();
    processes.remove(apiServer);
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) kube-apiserver: connections stay open and requests hang,
   * as with an API server that is half down.
   */
  public void freezeApiServer(boolean frozen) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(apiServer.pid()))
        .inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill " + (frozen ? "-STOP" : "-CONT") + " " + apiServer.pid() + " failed");
    }
  }

  private void startControllers() throws Exception {
    String kubeconfig = kubeconfigPath().toString();
    processes.add(ManagedProcess.start("kube-controller-manager", dir, List.of(bin("kube-controller-manager"),
        "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", Integer.toString(Ports.freePort()),
        "--leader-elect=false", "--controllers", "*",
        // kwok's fake node does not heartbeat the way the node lifecycle controller expects; without
        // this its pods turn NotReady after 40 s and drop out of every EndpointSlice
        "--node-monitor-grace-period=1h",
        "--service-account-private-key-file", dir.resolve("sa.key").toString(),
        "--cluster-cidr", POD_CIDR, "--service-cluster-ip-range", SERVICE_CIDR)));
    processes.add(ManagedProcess.start("kube-scheduler", dir, List.of(bin("kube-scheduler"),
        "--kubeconfig", kubeconfig, "--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
        "--bind-address", "127.0.0.1", "--secure-port", Integer.toString(Ports.freePort()), "--leader-elect=false")));
    client().nodes().resource(new NodeBuilder()
        .withNewMetadata().withName(NODE)
        .addToAnnotations("kwok.x-k8s.io/node", "fake")
        .addToLabels("type", "kwok").addToLabels("kubernetes.io/hostname", NODE)
        .endMetadata()
        .withNewSpec().withPodCIDR(NODE_POD_CIDR).endSpec()
        .build()).create();
    installPortForwardCrd();
    processes.add(ManagedProcess.start("kwok", dir, List.of(bin("kwok"),
        "--kubeconfig", kubeconfig,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector", "kwok.x-k8s.io/node=fake",
        "--cidr", "10.214.0.1/24",
        "--node-ip", "127.0.0.1",
        // the node's status names this port as its kubelet's, so the API server sends the pod
        // port-forwards there; kwok serves them as the PortForward objects of each pod say
        "--node-port", Integer.toString(kubeletPort),
        "--server-address", "127.0.0.1:" + kubeletPort,
        "--tls-cert-file", dir.resolve("kubelet.crt").toString(),
        "--tls-private-key-file", dir.resolve("kubelet.key").toString(),
        "--enable-crds", PORT_FORWARD_KIND)));
  }

  /**
   * kwok's PortForward kind (kwok.x-k8s.io/v1alpha1, one object per pod, named after it), which
   * kwok watches with {@code --enable-crds PortForward}. The schema is left open: kwok validates
   * what it reads.
   */
  private void installPortForwardCrd() {
    send("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: portforwards.%s}
        spec:
          group: %s
          scope: Namespaced
          names: {kind: %s, listKind: %sList, plural: portforwards, singular: portforward}
          versions:
          - name: v1alpha1
            served: true
            storage: true
            subresources: {status: {}}
            schema:
              openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """.formatted(KWOK_GROUP, KWOK_GROUP, PORT_FORWARD_KIND, PORT_FORWARD_KIND));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String path = "/apis/" + KWOK_GROUP + "/v1alpha1/portforwards";
    int status = 0;
    while ((status = status(path)) != 200) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kwok's PortForward kind never got served: " + path + " answers " + status);
      }
      sleep(200);
    }
  }

  /**
   * Tells kwok how to serve the API server's port-forwards to {@code pod} (as a kubelet's container
   * runtime would): a connection to port {@code p} runs {@code commands.get(p)} with the stream as
   * its standard input and output. The object is owned by the pod, so it goes when the pod does.
   */
  public void forwardPodPorts(String namespace, String pod, String uid, Map<Integer, List<String>> commands) {
    StringBuilder forwards = new StringBuilder();
    commands.forEach((port, command) -> forwards.append("\n  - ports: [").append(port).append("]\n    command: [")
        .append(String.join(", ", command.stream().map(RealCluster::quoted).toList())).append(']'));
    String collection = "/apis/" + KWOK_GROUP + "/v1alpha1/namespaces/" + namespace + "/portforwards";
    String yaml = """
        apiVersion: %s/v1alpha1
        kind: %s
        metadata:
          name: %s
          namespace: %s
          ownerReferences: [{apiVersion: v1, kind: Pod, name: %s, uid: %s}]
        spec:
          forwards:%s
        """.formatted(KWOK_GROUP, PORT_FORWARD_KIND, pod, namespace, pod, uid, forwards);
    if (send("POST", collection, yaml) == 409) {
      // a pod of the same name before this one, whose forward the garbage collector has not removed
      // yet: replace it (a PUT would need its resourceVersion)
      send("DELETE", collection + "/" + pod, "");
      if (send("POST", collection, yaml) == 409) {
        throw new IllegalStateException("the PortForward of " + namespace + "/" + pod + " could not be replaced");
      }
    }
  }

  /**
   * Sends {@code yaml} to the API server as the admin, as kubectl would; the status, when it is a
   * success or 409 (exists); any other answer fails.
   */
  private int send(String method, String path, String yaml) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + path))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/yaml")
          .method(method, HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
        throw new IllegalStateException(method + " " + path + ": HTTP " + r.statusCode() + " " + r.body());
      }
      return r.statusCode();
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String quoted(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** The status the API server answers a GET of {@code path} with, as the admin; 0 when it cannot be reached. */
  private int status(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer " + TOKEN)
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!apiServer.isAlive()) {
        throw new IllegalStateException("kube-apiserver exited");
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/readyz"))
            .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          LOG.info("kube-apiserver ready at {}", url());
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(250);
    }
    throw new IllegalStateException("kube-apiserver not ready after " + timeout + ": " + last);
  }

  public String url() {
    return "https://127.0.0.1:" + apiPort;
  }

  public Path kubeconfigPath() {
    return dir.resolve("kubeconfig");
  }

  /** Client configuration for the admin user (for a Bosun under test, e.g.). */
  public Config config() {
    return new ConfigBuilder().withMasterUrl(url()).withOauthToken(TOKEN).withTrustCerts(true)
        .withNamespace("default").withRequestTimeout(10_000).build();
  }

  public synchronized KubernetesClient client() {
    if (client == null) {
      client = new KubernetesClientBuilder().withConfig(config()).build();
    }
    return client;
  }

  public String serverVersion() {
    return client().getKubernetesVersion().getGitVersion();
  }

  /**
   * A kubeconfig that authenticates as ServiceAccount {@code namespace/name} (a bound token from
   * the TokenRequest API, as a pod's projected token), so a process has exactly that account's RBAC.
   */
  public Path serviceAccountKubeconfig(String namespace, String name) throws IOException {
    String token = client().serviceAccounts().inNamespace(namespace).withName(name)
        .tokenRequest(new TokenRequestBuilder().withNewSpec()
            .withExpirationSeconds(86_400L).endSpec().build()).getStatus().getToken();
    Path p = dir.resolve("kubeconfig-" + namespace + "-" + name);
    Files.writeString(p, kubeconfig().replace(TOKEN, token).replace("user: admin", "user: " + name)
        .replace("- name: admin", "- name: " + name).replace("namespace: default", "namespace: " + namespace));
    return p;
  }

  private String kubeconfig() {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: e2e
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: admin
          user: {token: "%s"}
        contexts:
        - name: e2e
          context: {cluster: e2e, user: admin, namespace: default}
        current-context: e2e
        """.formatted(url(), TOKEN);
  }

  /**
   * A service-account token for {@code namespace/name} signed with this cluster's own signing key,
   * but with the expiry (and audience) the caller chooses: how a test gets an expired token that
   * is otherwise exactly what the API server issues.
   */
  public String signServiceAccountToken(String namespace, String name, String audience, Instant notBefore,
                                        Instant expires) throws Exception {
    String uid = client().serviceAccounts().inNamespace(namespace).withName(name).get().getMetadata().getUid();
    String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    String claims = ("{\"aud\":[\"%s\"],\"exp\":%d,\"iat\":%d,\"nbf\":%d,\"iss\":\"%s\","
        + "\"sub\":\"system:serviceaccount:%s:%s\",\"kubernetes.io\":{\"namespace\":\"%s\","
        + "\"serviceaccount\":{\"name\":\"%s\",\"uid\":\"%s\"}}}").formatted(audience, expires.getEpochSecond(),
        notBefore.getEpochSecond(), notBefore.getEpochSecond(), ISSUER, namespace, name, namespace, name, uid);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(serviceAccountKey);
    rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rs256.sign());
  }

  private void writeServiceAccountKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    serviceAccountKey = gen.generateKeyPair().getPrivate();
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(serviceAccountKey.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Files.writeString(dir.resolve("sa.key"), pem);
  }

  /**
   * The fake node's kubelet serving certificate (kwok's server, at the node's InternalIP) and the CA
   * the API server verifies it with, as it would a real kubelet's.
   */
  private void writeKubeletCertificates() throws IOException {
    Certificates ca = Certificates.newAuthority("bosun-e2e-kubelet-ca", Duration.ofDays(7));
    Certificates.Issued serving = ca.issue(List.of("127.0.0.1", NODE), Duration.ofDays(7));
    Files.writeString(dir.resolve("kubelet-ca.crt"), ca.authority().certificatePem());
    Files.writeString(dir.resolve("kubelet.crt"), serving.certificatePem());
    Files.writeString(dir.resolve("kubelet.key"), serving.privateKeyPem());
  }

  private static String bin(String name) {
    return K8sBinaries.require(name).toString();
  }

  /** The tail of every process log, for failure messages. */
  public String logs() {
    StringBuilder sb = new StringBuilder();
    for (ManagedProcess p : processes) {
      sb.append("---- ").append(p.name()).append(" (pid ").append(p.pid()).append(") ----\n")
          .append(p.logTail(50)).append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    List<ManagedProcess> reversed = new ArrayList<>(processes);
    Collections.reverse(reversed);
    reversed.forEach(ManagedProcess::close);
    processes.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.toString());
    }
  }

  private static SSLContext trustAll() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] c, String a) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String a) {
          // the test apiserver's self-signed certificate, on loopback
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      } }, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
