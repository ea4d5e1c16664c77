package io.bosun.model;

/** The first field of an Istio node id. */
public enum ProxyType {
  SIDECAR("sidecar"), ROUTER("router");

  private final String id;

  ProxyType(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
