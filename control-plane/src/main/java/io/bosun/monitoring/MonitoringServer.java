package io.bosun.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The monitoring port: {@code /ready}, {@code /metrics} and the {@code /debug/*} pages. */
public final class MonitoringServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MonitoringServer.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle and the
    // peer's delayed ACK add ~40 ms to every response. Read once, before the first server.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;

  public MonitoringServer(InetSocketAddress address, BooleanSupplier ready, Supplier<String> metrics,
                          Supplier<Object> configz, Supplier<Object> syncz) throws IOException {
    server = HttpServer.create(address, 0);
    executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "monitoring");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/ready", ex -> {
      boolean ok = ready.getAsBoolean();
      send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
    });
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4", metrics.get()));
    server.createContext("/debug/configz", ex -> json(ex, configz.get()));
    server.createContext("/debug/syncz", ex -> json(ex, syncz.get()));
    server.createContext("/", ex -> send(ex, 404, "text/plain",
        "not found; try /ready /metrics /debug/configz /debug/syncz\n"));
  }

  public MonitoringServer start() {
    server.start();
    LOG.info("monitoring on {}: /ready /metrics /debug/configz /debug/syncz", server.getAddress());
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void json(HttpExchange ex, Object body) throws IOException {
    send(ex, 200, "application/json", JSON.writeValueAsString(body) + "\n");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
