package io.bosun.analyze;

/** How bad a finding is; istioctl's three levels, printed as they are there. */
public enum Level {
  ERROR("Error"), WARNING("Warning"), INFO("Info");

  private final String label;

  Level(String label) {
    this.label = label;
  }

  /** {@code Error}, {@code Warning} or {@code Info}. */
  public String label() {
    return label;
  }
}
