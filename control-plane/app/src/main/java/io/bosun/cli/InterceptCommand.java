package io.bosun.cli;

import io.bosun.intercept.InterceptionRules;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code intercept}: installs a sidecar's interception rules in the current network namespace (what
 * the injected init container runs), or prints them with {@code --dry-run}.
 */
@Command(name = "intercept", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
    description = {"Install (or print) a sidecar's traffic interception rules.",
        "Installs a sidecar's iptables interception rules in this network namespace (the injected init "
          + "container runs this; needs NET_ADMIN and NET_RAW), or prints them."})
final class InterceptCommand implements Callable<Integer> {
  @Spec
  private CommandSpec spec;

  @Option(names = "--proxy-uid", paramLabel = "N", defaultValue = "1337")
  int proxyUid;

  @Option(names = "--proxy-gid", paramLabel = "N", defaultValue = "1337")
  int proxyGid;

  @Option(names = "--inbound-capture-port", paramLabel = "PORT", defaultValue = "15006", converter = Cli.Port.class)
  int inboundCapturePort;

  @Option(names = "--outbound-capture-port", paramLabel = "PORT", defaultValue = "15001", converter = Cli.Port.class)
  int outboundCapturePort;

  @Option(names = "--include-inbound-ports", defaultValue = "*", paramLabel = "P,...|*")
  String includeInboundPorts;

  @Option(names = "--exclude-inbound-ports", defaultValue = "", paramLabel = "P,...")
  String excludeInboundPorts;

  @Option(names = "--include-outbound-ip-ranges", defaultValue = "*", paramLabel = "CIDR,...|*")
  String includeOutboundRanges;

  @Option(names = "--exclude-outbound-ip-ranges", defaultValue = "", paramLabel = "CIDR,...")
  String excludeOutboundRanges;

  @Option(names = "--exclude-outbound-ports", defaultValue = "", paramLabel = "P,...")
  String excludeOutboundPorts;

  @Option(names = "--dry-run", defaultValue = "false", arity = "1", converter = Cli.Bool.class,
      paramLabel = "true|false", description = "Print the rules instead of installing them.")
  boolean dryRun;

  @Option(names = "--iptables-restore", defaultValue = "iptables-restore", paramLabel = "PATH")
  String iptablesRestore;

  @Override
  public Integer call() throws Exception {
    // the record checks ports and ranges; its IllegalArgumentException is a usage error
    InterceptionRules rules = new InterceptionRules(proxyUid, proxyGid, inboundCapturePort, outboundCapturePort,
        InterceptionRules.list(includeInboundPorts), InterceptionRules.list(excludeInboundPorts),
        InterceptionRules.list(includeOutboundRanges), InterceptionRules.list(excludeOutboundRanges),
        InterceptionRules.list(excludeOutboundPorts));
    String text = rules.render();
    if (dryRun) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
      return 0;
    }
    // --noflush: other nat rules of the pod (e.g. from a CNI) are kept
    Process p = new ProcessBuilder(List.of(iptablesRestore, "--noflush")).redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      spec.commandLine().getErr().println("bosun: iptables-restore failed (exit " + rc + "): " + out.strip());
      spec.commandLine().getErr().print(text);
      return 1;
    }
    spec.commandLine().getOut().println("bosun: interception installed: " + rules);
    return 0;
  }
}
