package io.bosun.xds.status;

/** Where one proxy stands for one xDS type, in istioctl proxy-status terms. */
public enum SyncState {
  /** The last response sent was ACKed. */
  SYNCED("SYNCED"),
  /** A response was sent and neither ACKed nor NACKed yet. */
  STALE("STALE"),
  /** Nothing of this type has been sent on the stream. */
  NOT_SENT("NOT SENT"),
  /** The last response was NACKed. */
  ERROR("ERROR");

  private final String label;

  SyncState(String label) {
    this.label = label;
  }

  /** The rendering istioctl users know, e.g. "NOT SENT". */
  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
