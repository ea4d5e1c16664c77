package io.bosun.demo;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sample backend that says who it is: every response is {@code <name> <version>\n} with header
 * {@code x-backend: <name>-<version>}, so tests and the demo can see where traffic went. Given a
 * pod name (environment variable {@code POD_NAME} for {@link #main}), the second line is
 * {@code pod: <pod>} and header {@code x-pod} names it too.
 *
 * <p>Query parameters: {@code path=1} appends the request path as {@code path: /x}; {@code headers=1} appends the
 * request headers as {@code key: value} lines
 * (lower-case keys, sorted); {@code status=503} answers with that status; {@code delay=200ms} (or
 * {@code 1s}, or plain milliseconds) waits before answering.
 *
 * <p>Given upstream URLs (as Bookinfo's productpage calls reviews, and reviews calls ratings), every
 * request also calls each of them in turn, passing on the {@code end-user} and tracing headers, and
 * appends their answers indented under {@code -> }; an upstream that fails shows as
 * {@code -> <url> unavailable: <status>} while this server still answers 200.
 */
public final class EchoServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EchoServer.class);
  private static final int THREADS = 16;

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle and the
    // peer's delayed ACK add ~40 ms to every response. Read once, before the first server.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final String name;
  private final String version;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicLong requests = new AtomicLong();
  private volatile int forcedStatus;
  private volatile String pod = "";
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<URI> upstreams;
  private final HttpClient client;

  /** Serves on 127.0.0.1:{@code port} ({@code 0} picks a free port; see {@link #port()}). */
  public EchoServer(String name, String version, int port) {
    this(name, version, "127.0.0.1", port);
  }

  /** Serves on {@code host:port}, e.g. a pod IP inside a network namespace. */
  public EchoServer(String name, String version, String host, int port) {
    this(name, version, host, port, List.of());
  }

  /** Serves on {@code host:port} and calls {@code upstreams} for every request. */
  public EchoServer(String name, String version, String host, int port, List<URI> upstreams) {
    this.name = name;
    this.version = version;
    this.upstreams = List.copyOf(upstreams);
    // HTTP/1.1 as Bookinfo's apps speak it: no h2c upgrade for the sidecar to see
    this.client = upstreams.isEmpty() ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    AtomicInteger threadCount = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "echo-" + name + "-" + threadCount.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot bind echo server " + name + " to " + host + ":" + port, e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    LOG.info("Echo server {} {} listening on {}:{}", name, version, host, port());
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  /** The bound port (useful when constructed with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Makes every later answer use {@code status} (0 restores normal answers), e.g. to play a failing backend. */
  public void forceStatus(int status) {
    this.forcedStatus = status;
  }

  /** Names the pod this server runs in, in every later answer ({@code ""}: none). */
  public void pod(String podName) {
    this.pod = podName == null ? "" : podName;
  }

  /** Number of requests answered so far. */
  public long requests() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      try (InputStream in = exchange.getRequestBody()) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
      int status = forcedStatus > 0 ? forcedStatus : 200;
      try {
        if (query.containsKey("delay")) {
          Thread.sleep(parseMillis(query.get("delay")));
        }
        if (query.containsKey("status")) {
          status = Integer.parseInt(query.get("status"));
          if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status out of range: " + status);
          }
        }
      } catch (IllegalArgumentException e) {
        reply(exchange, 400, "bad query parameter: " + e.getMessage() + "\n");
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      StringBuilder body = new StringBuilder().append(name).append(' ').append(version).append('\n');
      if (!pod.isEmpty()) {
        body.append("pod: ").append(pod).append('\n');
      }
      if ("1".equals(query.get("count"))) {
        // how many requests this server has seen (this one included): lets a test count retries from afar
        body.append("requests: ").append(requests.get()).append('\n');
      }
      if ("1".equals(query.get("path"))) {
        body.append("path: ").append(exchange.getRequestURI().getRawPath()).append('\n');
      }
      if ("1".equals(query.get("headers"))) {
        appendHeaders(body, exchange.getRequestHeaders());
      }
      for (URI upstream : upstreams) {
        body.append(callUpstream(upstream, exchange.getRequestHeaders()));
      }
      reply(exchange, status, body.toString());
    }
  }

  /** Headers a Bookinfo app passes on to the services it calls (user identity and tracing). */
  private static final List<String> PROPAGATED = List.of("end-user", "x-request-id", "x-b3-traceid", "x-b3-spanid",
      "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "b3", "traceparent", "tracestate");

  private String callUpstream(URI upstream, Headers incoming) {
    HttpRequest.Builder request = HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(30)).GET();
    for (String h : PROPAGATED) {
      String v = incoming.getFirst(h);
      if (v != null) {
        request.header(h, v);
      }
    }
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() / 100 != 2) {
        return "-> " + upstream + " unavailable: " + r.statusCode() + "\n";
      }
      // the upstream's own first line after "-> ", the rest of its answer indented under it
      StringBuilder out = new StringBuilder();
      r.body().lines().forEach(l -> out.append(out.isEmpty() ? "-> " : "  ").append(l).append('\n'));
      return out.toString();
    } catch (IOException e) {
      return "-> " + upstream + " unavailable: " + e.getClass().getSimpleName() + "\n";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "-> " + upstream + " unavailable: interrupted\n";
    }
  }

  private void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
    exchange.getResponseHeaders().set("x-backend", name + "-" + version);
    if (!pod.isEmpty()) {
      exchange.getResponseHeaders().set("x-pod", pod);
    }
    boolean noBody = status == 204 || status == 304 || "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, noBody ? -1 : bytes.length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static void appendHeaders(StringBuilder body, Headers headers) {
    // The JDK capitalises header names; HTTP/2 and Envoy use lower case, so echo that.
    Map<String, List<String>> sorted = new TreeMap<>();
    headers.forEach((k, v) -> sorted.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>())
        .addAll(v));
    sorted.forEach((k, values) -> values.forEach(v -> body.append(k).append(": ").append(v).append('\n')));
  }

  private static Map<String, String> parseQuery(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Accepts {@code 200ms}, {@code 2s} or a bare number of milliseconds. */
  static long parseMillis(String value) {
    String v = value.trim();
    long millis;
    if (v.endsWith("ms")) {
      millis = Long.parseLong(v.substring(0, v.length() - 2));
    } else if (v.endsWith("s")) {
      millis = Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
    } else {
      millis = Long.parseLong(v);
    }
    if (millis < 0) {
      throw new IllegalArgumentException("negative delay " + value);
    }
    return millis;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    executor.shutdownNow();
    LOG.info("Echo server {} {} stopped after {} requests", name, version, requests());
  }

  /**
   * {@code java -cp ... io.bosun.demo.EchoServer NAME VERSION PORT [HOST]}; environment variable
   * {@code ECHO_UPSTREAMS} (URLs separated by spaces or commas) names the services to call,
   * {@code ECHO_STATUS} makes every answer use that status, {@code POD_NAME} names the pod.
   */
  public static void main(String[] args) throws InterruptedException {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: EchoServer NAME VERSION PORT [HOST]");
      System.exit(2);
    }
    String host = args.length == 4 ? args[3] : "127.0.0.1";
    String upstreams = System.getenv().getOrDefault("ECHO_UPSTREAMS", "");
    List<URI> uris = Arrays.stream(upstreams.split("[ ,]+")).filter(u -> !u.isBlank()).map(URI::create)
        .toList();
    EchoServer server = new EchoServer(args[0], args[1], host, Integer.parseInt(args[2]), uris);
    server.pod(System.getenv("POD_NAME"));
    String forced = System.getenv("ECHO_STATUS");
    if (forced != null && !forced.isBlank()) {
      server.forceStatus(Integer.parseInt(forced.trim())); // a pod that plays a failing backend
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-shutdown"));
    Thread.currentThread().join();
  }
}
