package io.bosun.analyze;

import io.bosun.model.ResourceRef;

/**
 * Whether a pod should carry a sidecar by Bosun's injection rules, and whether it does. Decided
 * outside this package, where the Pod object itself is at hand.
 *
 * @param reason   why the rules want (or do not want) a sidecar, e.g. "namespace label istio-injection=enabled"
 * @param hasProxy an {@code istio-proxy} container (or native sidecar init container) is present
 */
public record PodInjection(ResourceRef pod, boolean wanted, String reason, boolean hasProxy) {
}
