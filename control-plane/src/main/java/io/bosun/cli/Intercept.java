package io.bosun.cli;

import io.bosun.intercept.InterceptionRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * {@code bosun intercept}: installs a sidecar's interception rules in the current network
 * namespace (what the injected init container runs), or prints them with {@code --dry-run}.
 */
final class Intercept {
  static final Set<String> OPTIONS = Set.of("proxy-uid", "proxy-gid", "inbound-capture-port", "outbound-capture-port",
      "include-inbound-ports", "exclude-inbound-ports", "include-outbound-ip-ranges", "exclude-outbound-ip-ranges",
      "exclude-outbound-ports", "dry-run", "iptables-restore");

  private Intercept() {
  }

  static int run(Args args) throws IOException, InterruptedException {
    InterceptionRules rules;
    try {
      rules = new InterceptionRules(args.port("proxy-uid", 1337), args.port("proxy-gid", 1337),
          args.port("inbound-capture-port", 15006), args.port("outbound-capture-port", 15001),
          InterceptionRules.list(args.get("include-inbound-ports", "*")),
          InterceptionRules.list(args.get("exclude-inbound-ports", "")),
          InterceptionRules.list(args.get("include-outbound-ip-ranges", "*")),
          InterceptionRules.list(args.get("exclude-outbound-ip-ranges", "")),
          InterceptionRules.list(args.get("exclude-outbound-ports", "")));
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException(e.getMessage());
    }
    String text = rules.render();
    if (Boolean.parseBoolean(args.get("dry-run", "false"))) {
      System.out.print(text);
      return 0;
    }
    // --noflush: other nat rules of the pod (e.g. from a CNI) are kept
    Process p = new ProcessBuilder(List.of(args.get("iptables-restore", "iptables-restore"), "--noflush"))
        .redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    if (rc != 0) {
      System.err.println("bosun: iptables-restore failed (exit " + rc + "): " + out.strip());
      System.err.print(text);
      return 1;
    }
    System.out.println("bosun: interception installed: " + rules);
    return 0;
  }
}
