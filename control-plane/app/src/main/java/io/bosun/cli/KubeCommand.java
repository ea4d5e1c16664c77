package io.bosun.cli;

import io.bosun.inject.InjectionConfig;
import io.bosun.runtime.KubeBosun;
import io.bosun.webhook.AdmissionWebhooks;
import io.bosun.xds.auth.XdsSecurity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kube}: serves the Istio config of a Kubernetes cluster, plus certificates and webhooks. */
@Command(name = "kube", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
    description = {"Serve xDS, certificates and webhooks for a Kubernetes cluster.",
        "Serves the Istio config of a Kubernetes cluster (--kubeconfig, $KUBECONFIG or in-cluster) "
          + "over TLS, to proxies that prove their workload identity (a service-account token or a certificate "
          + "from Bosun's CA, kept in Secret cacerts or bosun-ca), plus certificate signing and the sidecar-injection "
          + "and validation webhooks.",
        "Plaintext xDS (anonymous, never given Secrets) only with --xds-plaintext=true."})
final class KubeCommand implements Callable<Integer> {
  @Mixin
  ServingOptions serving;

  @Option(names = "--kubeconfig", paramLabel = "PATH", description = "Default: $KUBECONFIG, ~/.kube/config or "
      + "the pod's service account.")
  Path kubeconfig;

  @Option(names = "--xds-tls-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0")
  String xdsTlsAddress;

  @Option(names = "--xds-tls-port", paramLabel = "PORT", defaultValue = "15012", converter = Cli.Port.class,
      description = "Authenticated xDS and certificate signing; 0 turns it and the mesh CA off.")
  int xdsTlsPort;

  @Option(names = "--xds-plaintext", defaultValue = "false", arity = "1", converter = Cli.Bool.class,
      paramLabel = "true|false", description = "Also serve anonymous plaintext xDS.")
  boolean xdsPlaintext;

  @Option(names = "--xds-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0")
  String xdsAddress;

  @Option(names = "--service-name", paramLabel = "NAME",
      description = "The Service proxies reach Bosun by, named on its 15012 certificate; default: --webhook-service.")
  String serviceName;

  @Option(names = "--token-audiences", split = ",", defaultValue = "istio-ca", paramLabel = "AUD",
      description = "Audiences a service-account token must carry.")
  List<String> tokenAudiences;

  @Option(names = "--xds-max-groups-per-client", paramLabel = "N", converter = Cli.Count.class,
      defaultValue = "" + XdsSecurity.DEFAULT_GROUPS_PER_PRINCIPAL)
  int groupsPerClient;

  @Option(names = "--expose-debug", defaultValue = "false", arity = "1", converter = Cli.Bool.class,
      paramLabel = "true|false", description = "Answer debug pages off loopback too.")
  boolean exposeDebug;

  @Option(names = "--readiness-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0")
  String readinessAddress;

  @Option(names = "--readiness-port", paramLabel = "PORT", defaultValue = "8080", converter = Cli.OptionalPort.class,
      description = "/ready alone on its own port; -1: none.")
  int readinessPort;

  @Option(names = "--lease-namespace", paramLabel = "NAME", defaultValue = "${env:POD_NAMESPACE:-istio-system}",
      description = "Bosun's namespace: the leader Lease, the CA Secret, the injection ConfigMap "
          + "(the environment's POD_NAMESPACE, else istio-system).")
  String leaseNamespace;

  @Option(names = "--identity", paramLabel = "NAME", defaultValue = "${env:POD_NAME}",
      description = "This replica's name in the Lease; default: the environment's POD_NAME, else host-pid.")
  String identity;

  @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "15s",
      description = "How long a leader holds the Lease without renewing.")
  Duration leaseDuration;

  @Option(names = "--webhooks", defaultValue = "true", arity = "1", converter = Cli.Bool.class,
      paramLabel = "true|false", description = "Serve the injection and validation webhooks.")
  boolean webhooks;

  @Option(names = "--webhook-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0")
  String webhookAddress;

  @Option(names = "--webhook-port", paramLabel = "PORT", defaultValue = "15017", converter = Cli.Port.class)
  int webhookPort;

  @Option(names = "--webhook-service", paramLabel = "NAME", defaultValue = "bosun",
      description = "The Service kube-apiserver reaches the webhooks by.")
  String webhookService;

  @Option(names = "--webhook-cert-dir", paramLabel = "DIR",
      description = "A mounted tls.crt/tls.key[/ca.crt] (default: a certificate from Bosun's own CA).")
  String webhookCertDir;

  @Option(names = "--injector-webhook-name", paramLabel = "NAME", defaultValue = "bosun-sidecar-injector",
      description = "The MutatingWebhookConfiguration whose caBundle Bosun keeps.")
  String mutatingName;

  @Option(names = "--validator-webhook-name", paramLabel = "NAME", defaultValue = "bosun-validator",
      description = "The ValidatingWebhookConfiguration whose caBundle Bosun keeps.")
  String validatingName;

  @Option(names = "--webhook-cert-validity-hours", paramLabel = "N", defaultValue = "8760", converter = Cli.Count.class)
  int webhookCertValidityHours;

  @Option(names = "--webhook-cert-check", paramLabel = "DURATION", defaultValue = "1h",
      description = "How often the webhook certificate is checked for renewal.")
  Duration webhookCertCheck;

  @Option(names = "--injection-configmap", paramLabel = "NAME", defaultValue = InjectionConfig.CONFIGMAP)
  String injectionConfigMap;

  @Override
  public Integer call() throws Exception {
    serving.configureLogging();
    KubeBosun.Options options = options();
    Config config = kubeconfig == null ? Config.autoConfigure(null)
        : Config.fromKubeconfig(Files.readString(kubeconfig));
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    Main.awaitShutdown(KubeBosun.start(client, options));
    return 0;
  }

  /** The options this command line asks for. */
  KubeBosun.Options options() throws UnknownHostException {
    KubeBosun.Security security = new KubeBosun.Security(serviceName == null ? webhookService : serviceName,
        tokenAudiences, serving.workloadCertTtl, KubeBosun.Security.DEFAULTS.rootValidity(), serving.streamsPerClient,
        groupsPerClient);
    String self = identity != null ? identity
        : InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    AdmissionWebhooks.Settings hooks = new AdmissionWebhooks.Settings(webhookAddress, webhookPort, webhookService,
        webhookCertDir == null ? "" : webhookCertDir, mutatingName, validatingName,
        Duration.ofHours(webhookCertValidityHours), webhookCertCheck, injectionConfigMap);
    return new KubeBosun.Options(
        new KubeBosun.Xds(xdsAddress, serving.xdsPort, xdsPlaintext, xdsTlsAddress, xdsTlsPort),
        new KubeBosun.Monitoring(serving.monitoringAddress, serving.monitoringPort, readinessAddress, readinessPort,
            exposeDebug),
        new KubeBosun.Lease(leaseNamespace, self, leaseDuration), security, webhooks ? hooks : null);
  }
}
