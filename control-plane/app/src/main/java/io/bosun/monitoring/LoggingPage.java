package io.bosun.monitoring;

import ch.qos.logback.classic.Level;
import io.bosun.http.HttpServer.Request;
import io.bosun.http.HttpServer.Response;
import io.bosun.logging.LogSafe;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /debug/logging}, Bosun's loggers at run time (as istiod's ControlZ): {@code GET} lists the
 * loggers with a level of their own, {@code GET ?logger=NAME} shows one, and {@code PUT
 * ?logger=NAME&level=LEVEL} sets one ({@code level=inherit} hands it back to its parent). Changing a
 * level answers callers on loopback only, whatever {@code --expose-debug} says, and only to PUT: a
 * web page can make a browser POST to a port-forward on loopback, but not PUT (CORS).
 */
final class LoggingPage {
  static final String PATH = "/debug/logging";
  private static final Logger LOG = LoggerFactory.getLogger(LoggingPage.class);

  private LoggingPage() {
  }

  static Response handle(Request r, boolean exposed) throws Exception {
    String logger = r.query().get("logger");
    switch (r.method()) {
      case "GET" -> {
        if (logger != null && !Logs.exists(logger)) {
          // looking a name up must not create a logger: names are the caller's, loggers are never freed
          return MonitoringServer.debug(r, exposed, () -> Map.of("error", "no logger " + logger));
        }
        return MonitoringServer.debug(r, exposed, () -> logger == null ? Map.of("loggers", Logs.levels())
            : one(logger));
      }
      case "PUT" -> {
        if (!r.fromLoopback()) {
          return Response.text(403, "log levels change from loopback only (kubectl port-forward)\n");
        }
        String level = r.query().get("level");
        if (logger == null || logger.isBlank() || level == null) {
          return Response.text(400, "give ?logger=NAME&level=LEVEL (trace, debug, info, warn, error, off,"
              + " inherit)\n");
        }
        Level l;
        try {
          // the same rules as --log-level: a logger's name, a level or inherit, never inherit for the root
          if (logger.contains(",") || level.contains(",")) {
            throw new IllegalArgumentException("one logger and one level at a time");
          }
          Logs.Levels parsed = Logs.parseLevels(logger + "=" + level);
          l = parsed.byLogger().get(logger.strip());
          parsed.apply();
        } catch (IllegalArgumentException e) {
          return Response.text(400, e.getMessage() + "\n");
        }
        LOG.info("log level of {} set to {}", LogSafe.escape(logger), l == null ? Logs.INHERIT : l);
        return MonitoringServer.debug(r, exposed, () -> one(logger));
      }
      default -> {
        return Response.text(405, "GET or PUT\n");
      }
    }
  }

  private static Map<String, Object> one(String logger) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("logger", logger);
    out.put("level", Logs.levels().get(logger));
    out.put("effectiveLevel", Logs.effectiveLevel(logger));
    return out;
  }
}
