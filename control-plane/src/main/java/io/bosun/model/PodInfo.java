package io.bosun.model;

import java.util.Map;

/** What the mesh needs of a Pod: its IP and labels (endpoint labels for subsets). */
public record PodInfo(ResourceRef ref, String ip, Map<String, String> labels) {
  public PodInfo {
    labels = Map.copyOf(labels);
  }
}
