package io.bosun.logging;

import org.slf4j.MDC;

/**
 * The MDC of a log line that concerns one proxy or one resource, so every such line carries it
 * (the text format prints it, the JSON format has it under {@code mdc}): {@value #PROXY} is the
 * proxy's node id, {@value #RESOURCE} is {@code Kind namespace/name}. Set for a block with
 * try-with-resources; closing restores what the key held before.
 */
public final class LogContext {
  public static final String PROXY = "proxy";
  public static final String RESOURCE = "resource";

  private LogContext() {
  }

  /** What a block restores when it ends. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Lines in this block concern the proxy {@code nodeId} (nothing changes when it is null). */
  public static Scope proxy(String nodeId) {
    return put(PROXY, nodeId);
  }

  /** Lines in this block concern {@code ref}, which renders as {@code Kind namespace/name}. */
  public static Scope resource(Object ref) {
    return put(RESOURCE, ref == null ? null : ref.toString());
  }

  /** Lines in this block concern the resource {@code kind namespace/name}. */
  public static Scope resource(String kind, String namespace, String name) {
    return put(RESOURCE, kind + " " + (namespace == null || namespace.isEmpty() ? "" : namespace + "/") + name);
  }

  private static Scope put(String key, String value) {
    if (value == null) {
      return () -> { };
    }
    String before = MDC.get(key);
    MDC.put(key, LogSafe.escape(value));
    return () -> {
      if (before == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, before);
      }
    };
  }
}
