package io.bosun.model;

import java.util.Map;

/**
 * What the mesh needs of a Pod: its IP, labels (endpoint labels for subsets) and the node it runs
 * on (its locality), empty until scheduled.
 */
public record PodInfo(ResourceRef ref, String ip, Map<String, String> labels, String nodeName) {
  public PodInfo {
    labels = Map.copyOf(labels);
    nodeName = nodeName == null ? "" : nodeName;
  }
}
