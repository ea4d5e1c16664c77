package io.bosun.telemetry;

import java.time.Duration;

/**
 * What the data path reports as it works, free of any metrics library: the push controller, the
 * config sources and the injection webhook call it where things happen; the monitoring package
 * turns it into Prometheus metrics. Every method does nothing by default ({@link #NONE}).
 */
public interface MeshMetrics {
  MeshMetrics NONE = new MeshMetrics() {
  };

  /** What the injection webhook did with one pod. */
  enum Injection { SUCCESS, FAILURE, SKIP }

  /** Something asked for a push; {@code type}: config, proxy, secret, global (Istio's trigger names). */
  default void pushTriggered(String type) {
  }

  /** How long changes waited in the debouncer before the push started. */
  default void debounced(Duration waited) {
  }

  /**
   * A push finished: how long it took, and how long since the first change it serves (Istio's
   * proxy convergence time).
   */
  default void pushed(Duration took, Duration sinceFirstChange) {
  }

  /** The size of one xDS type's config sent to a proxy group ({@code type}: cds, eds, lds, rds, sds). */
  default void configSize(String type, long bytes) {
  }

  /** A config source saw an event: {@code type} is the kind, {@code event} add, update or delete. */
  default void configEvent(String type, String event) {
  }

  /** The injection webhook answered a pod. */
  default void injection(Injection outcome) {
  }
}
