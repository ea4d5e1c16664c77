package io.bosun.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bosun.http.HttpServer;
import io.bosun.http.HttpServer.Request;
import io.bosun.http.HttpServer.Response;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring port: {@code /ready}, {@code /metrics} and the {@code /debug/*} pages, plus, when
 * asked for, {@code /ready} alone on a port of its own (Istio's 8080) with its own thread, so
 * nothing on the monitoring port (a slow scrape, a large debug page, slow clients) can make a
 * healthy Bosun look unready (finding 5). The debug pages show the whole config and every proxy:
 * they answer only callers on loopback (a port-forward, a shell in the pod) unless
 * {@code exposeDebug} (finding 20).
 */
public final class MonitoringServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MonitoringServer.class);
  /** Where {@code bosunctl proxy-status} reads a replica's {@code ProxyStatusReport}. */
  public static final String PROXY_STATUS_PATH = "/debug/proxy-status";
  /** This replica's version and name, for {@code bosunctl version}; not a debug page: answered to anyone. */
  public static final String VERSION_PATH = "/version";
  /** The loggers' levels, read and changed at run time ({@code bosunctl admin log}). */
  public static final String LOGGING_PATH = LoggingPage.PATH;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param readiness where {@code /ready} is served alone; null for none
   * @param exposeDebug whether {@code /debug/*} answers callers that are not on loopback
   */
  public record Settings(InetSocketAddress monitoring, InetSocketAddress readiness, boolean exposeDebug) {
  }

  private final HttpServer server;
  private final HttpServer readinessServer;

  /** One debug page: its JSON from the request's query parameters. */
  public interface Page {
    Object render(Map<String, String> query);
  }

  public MonitoringServer(InetSocketAddress address, BooleanSupplier ready, Supplier<String> metrics,
                          Map<String, Page> pages) throws IOException {
    this(new Settings(address, null, false), ready, metrics, pages);
  }

  public MonitoringServer(Settings settings, BooleanSupplier ready, Supplier<String> metrics,
                          Supplier<Object> configz, Supplier<Object> syncz) throws IOException {
    this(settings, ready, metrics, Map.of("configz", q -> configz.get(), "syncz", q -> syncz.get()));
  }

  /** @param pages the debug pages by name, served at {@code /debug/NAME}, listed at {@code /debug/list} */
  public MonitoringServer(Settings settings, BooleanSupplier ready, Supplier<String> metrics,
                          Map<String, Page> pages) throws IOException {
    Map<String, HttpServer.Handler> routes = new LinkedHashMap<>();
    routes.put("/ready", r -> ready(ready));
    routes.put("/metrics", r -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
        metrics.get().getBytes(StandardCharsets.UTF_8)));
    routes.put(VERSION_PATH, r -> json(Map.of("version", BuildInfo.version(), "replica", BuildInfo.replica())));
    TreeSet<String> names = new TreeSet<>(pages.keySet());
    names.add("logging");
    routes.put("/debug/list", r -> debug(r, settings.exposeDebug(), () -> Map.of("pages",
        names.stream().map(n -> "/debug/" + n).toList())));
    routes.put(LoggingPage.PATH, r -> LoggingPage.handle(r, settings.exposeDebug()));
    pages.forEach((name, page) -> routes.put("/debug/" + name,
        r -> debug(r, settings.exposeDebug(), () -> page.render(r.query()))));
    try {
      server = new HttpServer(settings.monitoring(), null, new HttpServer.Options("monitoring", 2, 16,
          Duration.ofSeconds(10), Duration.ofSeconds(60), 4 << 10), routes, r -> Response.text(413, "too large\n"));
      readinessServer = settings.readiness() == null ? null : new HttpServer(settings.readiness(), null,
          new HttpServer.Options("readiness", 1, 8, Duration.ofSeconds(5), Duration.ofSeconds(60), 4 << 10),
          Map.of("/ready", r -> ready(ready)), r -> Response.text(413, "too large\n"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding the monitoring ports", e);
    } catch (RuntimeException e) {
      throw new IOException("cannot listen on " + settings.monitoring() + ": " + e.getMessage(), e);
    }
  }

  private static Response ready(BooleanSupplier ready) {
    boolean ok = ready.getAsBoolean();
    return Response.text(ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
  }

  static Response debug(Request r, boolean exposed, Supplier<Object> page) throws IOException {
    if (!exposed && !r.fromLoopback()) {
      return Response.text(403, "debug pages answer loopback only (kubectl port-forward, or --expose-debug true)\n");
    }
    return json(page.get());
  }

  private static Response json(Object body) throws IOException {
    return new Response(200, "application/json", (JSON.writeValueAsString(body) + "\n")
        .getBytes(StandardCharsets.UTF_8));
  }

  public MonitoringServer start() {
    LOG.info("monitoring on {}: /ready /metrics /version /debug/list{}", server.address(),
        readinessServer == null ? "" : "; /ready also on " + readinessServer.address());
    return this;
  }

  public int port() {
    return server.port();
  }

  /** The readiness port; -1 when there is none. */
  public int readinessPort() {
    return readinessServer == null ? -1 : readinessServer.port();
  }

  @Override
  public void close() {
    server.close();
    if (readinessServer != null) {
      readinessServer.close();
    }
  }
}
