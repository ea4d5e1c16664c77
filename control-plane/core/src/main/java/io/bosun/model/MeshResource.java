package io.bosun.model;

/**
 * What the config store holds: one valid object of a kind Bosun reads, as the model sees it.
 * Sealed, so a new kind is added here, in {@link Kind} and in the store's snapshot together.
 */
public sealed interface MeshResource permits AuthorizationPolicy, DestinationRule, EndpointSlice, Gateway, Ignored,
    KubeService, MeshConfig, NamespaceInfo, NodeInfo, PeerAuthentication, PodInfo, RequestAuthentication, ServiceEntry,
    Sidecar, TlsSecret, VirtualService, WorkloadEntry, WorkloadGroup {
}
