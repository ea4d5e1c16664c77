package io.bosun.model;

import java.util.List;

/** Istio's {@code exportTo}: which namespaces see a resource. Empty means every namespace (Istio's default). */
public final class ExportTo {
  private ExportTo() {
  }

  /** Whether a resource of namespace {@code owner} exported to {@code exportTo} is visible from {@code viewer}. */
  public static boolean visible(List<String> exportTo, String owner, String viewer) {
    if (exportTo.isEmpty() || exportTo.contains("*")) {
      return true;
    }
    return exportTo.contains(viewer) || exportTo.contains(".") && owner.equals(viewer);
  }

  public static boolean restricted(List<String> exportTo) {
    return !exportTo.isEmpty() && !exportTo.contains("*");
  }
}
