package io.bosun.model;

import java.util.Map;

/**
 * What the mesh needs of a Pod: its IP, labels (endpoint labels for subsets), the node it runs
 * on (its locality), empty until scheduled, and its service account (its workload identity).
 */
public record PodInfo(ResourceRef ref, String ip, Map<String, String> labels, String nodeName,
                      String serviceAccount) implements MeshResource {
  public PodInfo {
    labels = Map.copyOf(labels);
    nodeName = nodeName == null ? "" : nodeName;
    serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
  }

  public PodInfo(ResourceRef ref, String ip, Map<String, String> labels, String nodeName) {
    this(ref, ip, labels, nodeName, "default");
  }
}
