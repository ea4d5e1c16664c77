package io.bosun.analyze;

import io.bosun.config.ConfigError;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bosunctl analyze}'s engine: the validator's problems plus the cross-resource checks, one
 * {@link Message} each, sorted. Pure: the caller reads files or a cluster into an {@link AnalysisInput}.
 */
public final class Analyzer {
  private static final List<Check> CHECKS = List.of(new DestinationChecks(), new GatewayChecks(),
      new HostConflicts(), new SubsetPods(), new ProxyPresence(), new PeerAuthenticationChecks(),
      new MtlsConflicts(), new GatewayDestinations());

  private Analyzer() {
  }

  public static List<Message> analyze(AnalysisInput in) {
    List<Message> out = new ArrayList<>();
    for (ConfigError e : in.problems()) {
      out.add(new Message(e.isError() ? Code.VALIDATION_ERROR : Code.VALIDATION_WARNING, e.ref(), e.field(),
          e.message(), e.source()));
    }
    for (Check check : CHECKS) {
      for (Message m : check.run(in)) {
        String source = m.resource() == null ? "" : in.sources().getOrDefault(m.resource().toString(), "");
        out.add(new Message(m.code(), m.resource(), m.field(), m.text(), source));
      }
    }
    return out.stream().sorted(Message.ORDER).toList();
  }
}
