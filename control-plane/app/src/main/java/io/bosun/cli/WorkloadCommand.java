package io.bosun.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.bosun.bootstrap.EnvoyBootstraps;
import io.bosun.bootstrap.WorkloadBootstraps;
import io.bosun.ca.kube.RootCertPublisher;
import io.bosun.config.ConfigError;
import io.bosun.config.ConfigParser;
import io.bosun.config.Conversion;
import io.bosun.model.Endpoint;
import io.bosun.model.Kind;
import io.bosun.model.ResourceRef;
import io.bosun.model.WorkloadEntry;
import io.bosun.model.WorkloadGroup;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code workload entry configure}: what a VM needs to join the mesh as a member of a WorkloadGroup. */
@Command(name = "workload", mixinStandardHelpOptions = true, description = "Workloads outside Kubernetes (VMs).",
    subcommands = WorkloadCommand.Entry.class)
final class WorkloadCommand {
  @Command(name = "entry", mixinStandardHelpOptions = true, description = "A VM's WorkloadEntry.",
      subcommands = Configure.class)
  static final class Entry {
  }

  @Command(name = "configure", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
      description = {"Write what a VM's Envoy needs to join the mesh.",
          "From a WorkloadGroup (a file) and the VM's address, writes into --output: workloadentry.yaml (apply it"
              + " with kubectl), envoy.yaml (the proxy's bootstrap: its identity, Bosun's address), root-cert.pem"
              + " (the mesh's roots, from the namespace's istio-ca-root-cert ConfigMap) and istio-token (a token of"
              + " the group's service account for Bosun, audience istio-ca). Copy them to --install-dir on the VM,"
              + " install the interception rules with 'bosun intercept' and run 'envoy -c envoy.yaml' as uid 1337."},
      footer = {"", "Example:", "  bosunctl workload entry configure -f vm-group.yaml --address 10.0.3.7 -o vm-1"})
  static final class Configure implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The WorkloadGroup.")
    Path file;

    @Option(names = "--address", required = true, paramLabel = "IP", description = "The VM's address in the mesh.")
    String address;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Where to write.")
    Path output;

    @Option(names = "--name", paramLabel = "NAME",
        description = "The WorkloadEntry's name. Default: the group's name and the address, e.g. vms-10-0-3-7.")
    String name;

    @Option(names = "--bosun-address", defaultValue = "bosun.istio-system.svc:15012", paramLabel = "HOST:PORT",
        description = "Bosun's TLS xDS address as the VM reaches it.")
    String bosun;

    @Option(names = "--install-dir", defaultValue = "/etc/bosun", paramLabel = "DIR",
        description = "Where the files will be on the VM (the bootstrap names the token and the roots there).")
    String installDir;

    @Option(names = "--token-duration", defaultValue = "24h", paramLabel = "DURATION",
        description = "Lifetime of the token; the proxy needs a fresh one to reconnect after it expires.")
    Duration tokenDuration;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN")
    String clusterDomain;

    @Option(names = "--kubeconfig", paramLabel = "PATH", description = "Default: $KUBECONFIG or ~/.kube/config.")
    Path kubeconfig;

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      WorkloadGroup group = group(err);
      if (group == null) {
        return 1;
      }
      String ns = group.ref().namespace();
      String entryName = name != null ? name : group.ref().name() + "-" + address.replace('.', '-').replace(':', '-');
      Map<String, String> labels = new TreeMap<>(group.labels());
      // the VM runs a proxy with the mesh's certificate: meshed callers reach it over mutual TLS
      labels.putIfAbsent(Endpoint.TLS_MODE_LABEL, "istio");
      WorkloadEntry entry = new WorkloadEntry(new ResourceRef(Kind.WORKLOAD_ENTRY, ns, entryName), address,
          group.ports(), labels, group.network(), group.locality(), group.weight(), group.serviceAccount(), true);
      Config config = kubeconfig == null ? Config.autoConfigure(null)
          : Config.fromKubeconfig(Files.readString(kubeconfig));
      String roots;
      String token;
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        ConfigMap cm = client.configMaps().inNamespace(ns).withName(RootCertPublisher.CONFIGMAP).get();
        if (cm == null || cm.getData() == null || !cm.getData().containsKey(RootCertPublisher.KEY)) {
          err.printf("error: namespace %s has no ConfigMap %s with %s: is Bosun running, and the namespace there?%n",
              ns, RootCertPublisher.CONFIGMAP, RootCertPublisher.KEY);
          return 1;
        }
        roots = cm.getData().get(RootCertPublisher.KEY);
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withAudiences("istio-ca")
            .withExpirationSeconds(tokenDuration.toSeconds()).endSpec().build();
        token = client.serviceAccounts().inNamespace(ns).withName(group.serviceAccount()).tokenRequest(request)
            .getStatus().getToken();
      } catch (KubernetesClientException e) {
        err.printf("error: asking the API server for service account %s/%s's token: %s%n", ns,
            group.serviceAccount(), e.getMessage());
        return 1;
      }
      Files.createDirectories(output);
      Files.writeString(output.resolve("workloadentry.yaml"), yaml(entry), StandardCharsets.UTF_8);
      Files.writeString(output.resolve("envoy.yaml"), EnvoyBootstraps.render(WorkloadBootstraps.bootstrap(entry,
          bosun, installDir, clusterDomain)), StandardCharsets.UTF_8);
      Files.writeString(output.resolve(WorkloadBootstraps.ROOTS_FILE), roots, StandardCharsets.UTF_8);
      // the token is private from its first byte: created owner-only, never readable under the umask
      Path tokenFile = output.resolve(WorkloadBootstraps.TOKEN_FILE);
      Files.deleteIfExists(tokenFile);
      Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tokenFile, token, StandardCharsets.UTF_8);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("wrote %s: workloadentry.yaml, envoy.yaml, %s, %s (token valid for %s)%n", output,
          WorkloadBootstraps.ROOTS_FILE, WorkloadBootstraps.TOKEN_FILE, tokenDuration);
      out.flush();
      return 0;
    }

    /** The one WorkloadGroup of the file, validated; null (and why, on {@code err}) otherwise. */
    private WorkloadGroup group(PrintWriter err) throws IOException {
      ConfigParser.Parsed parsed = new ConfigParser().parse(file.toString(), Files.readString(file));
      List<ConfigError> problems = new ArrayList<>(parsed.fileErrors());
      WorkloadGroup group = null;
      for (Conversion c : parsed.conversions()) {
        problems.addAll(c.problems());
        if (c.value() instanceof WorkloadGroup g) {
          group = g;
        }
      }
      problems.forEach(p -> err.println((p.isError() ? "error: " : "warning: ") + p));
      if (problems.stream().anyMatch(ConfigError::isError)) {
        return null;
      }
      if (group == null) {
        err.println("error: " + file + " holds no WorkloadGroup");
      }
      return group;
    }
  }

  private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .build();

  /** The WorkloadEntry as YAML for kubectl; unset fields left out, maps sorted. */
  static String yaml(WorkloadEntry e) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("address", e.address());
    spec.put("serviceAccount", e.serviceAccount());
    spec.put("labels", new TreeMap<>(e.labels()));
    if (!e.ports().isEmpty()) {
      spec.put("ports", new TreeMap<>(e.ports()));
    }
    if (!e.network().isEmpty()) {
      spec.put("network", e.network());
    }
    if (!e.locality().isEmpty()) {
      spec.put("locality", e.locality());
    }
    if (e.weight() != 0) {
      spec.put("weight", e.weight());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", "networking.istio.io/v1");
    doc.put("kind", "WorkloadEntry");
    doc.put("metadata", Map.of("name", e.ref().name(), "namespace", e.ref().namespace()));
    doc.put("spec", spec);
    try {
      return YAML.writeValueAsString(doc);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("a WorkloadEntry cannot be written as YAML", ex);
    }
  }
}
