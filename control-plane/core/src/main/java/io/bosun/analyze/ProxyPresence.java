package io.bosun.analyze;

import java.util.List;

/**
 * BSN0107: a pod that Bosun's injection rules give a sidecar runs without one: it was created
 * before injection was turned on (or while the webhook was away) and must be restarted.
 */
final class ProxyPresence implements Check {
  @Override
  public List<Message> run(AnalysisInput in) {
    return in.injections().stream().filter(p -> p.wanted() && !p.hasProxy())
        .map(p -> new Message(Code.POD_MISSING_PROXY, p.pod(), "",
            "The pod is missing the Istio proxy (" + p.reason() + "); restart it to have one injected"))
        .toList();
  }
}
