package io.bosun.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The log formats (JSON one object a line, text with the MDC) and the --log-level syntax. */
class LogsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The lines {@code format} writes for what {@code logs} logs to a logger of its own. */
  private static String logged(Logs.Format format, String name, Runnable logs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Logger logger = (Logger) LoggerFactory.getLogger(name);
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(logger.getLoggerContext());
    appender.setEncoder(Logs.encoder(logger.getLoggerContext(), format));
    appender.setOutputStream(out);
    appender.start();
    logger.addAppender(appender);
    logger.setAdditive(false);
    try {
      logs.run();
    } finally {
      logger.detachAppender(appender);
      appender.stop();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  @SuppressWarnings("try") // the MDC's closeables are there to be closed
  void jsonIsOneObjectALineWithTheMdcAndTheException() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger("io.bosun.test.json");
    String lines = logged(Logs.Format.JSON, "io.bosun.test.json", () -> {
      try (MDC.MDCCloseable p = MDC.putCloseable("proxy", "sidecar~10.0.0.7~web-1.shop~shop.svc.cluster.local");
           MDC.MDCCloseable r = MDC.putCloseable("resource", "VirtualService shop/web")) {
        log.warn("NACK of {}: \"{}\"\nsecond line", "LDS", "bad");
      }
      log.error("push failed", new IllegalStateException("boom"));
    });

    List<JsonNode> events = new ArrayList<>();
    for (String line : lines.split("\n")) {
      events.add(JSON.readTree(line));
    }
    assertThat(events).hasSize(2);
    JsonNode nack = events.get(0);
    assertThat(nack.path("level").asText()).isEqualTo("WARN");
    assertThat(nack.path("loggerName").asText()).isEqualTo("io.bosun.test.json");
    assertThat(nack.path("threadName").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(nack.path("timestamp").asLong()).isPositive();
    assertThat(nack.path("formattedMessage").asText()).isEqualTo("NACK of LDS: \"bad\"\nsecond line");
    assertThat(nack.path("mdc").path("proxy").asText()).isEqualTo("sidecar~10.0.0.7~web-1.shop~shop.svc.cluster.local");
    assertThat(nack.path("mdc").path("resource").asText()).isEqualTo("VirtualService shop/web");
    JsonNode failure = events.get(1);
    assertThat(failure.path("mdc").path("proxy").isMissingNode() || failure.path("mdc").isEmpty()).isTrue();
    assertThat(failure.path("throwable").path("className").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(failure.path("throwable").path("message").asText()).isEqualTo("boom");
  }

  @Test
  @SuppressWarnings("try")
  void textShowsTheMdcOnlyWhenSet() {
    Logger log = (Logger) LoggerFactory.getLogger("io.bosun.test.text");
    String lines = logged(Logs.Format.TEXT, "io.bosun.test.text", () -> {
      try (MDC.MDCCloseable p = MDC.putCloseable("proxy", "router~1.2.3.4~gw.istio-system~istio-system")) {
        log.info("pushed");
      }
      log.info("idle");
    });
    List<String> l = lines.lines().toList();
    assertThat(l.get(0)).contains(" proxy=router~1.2.3.4~gw.istio-system~istio-system - pushed");
    assertThat(l.get(1)).doesNotContain("proxy=").containsPattern("[a-z.]+text - idle$");
  }

  @Test
  void levelsParseByLoggerWithABareLevelForTheRoot() {
    assertThat(Logs.parseLevels("io.bosun.push=debug, io.bosun=INFO,warning").byLogger())
        .containsExactly(Map.entry("io.bosun.push", Level.DEBUG), Map.entry("io.bosun",
            Level.INFO), Map.entry(Logger.ROOT_LOGGER_NAME, Level.WARN));
    assertThat(Logs.parseLevels("io.bosun.xds=inherit").byLogger()).containsEntry("io.bosun.xds", null);
    assertThat(Logs.parseLevels("").byLogger()).isEmpty();
  }

  @Test
  void badLevelsSayWhatIsWrong() {
    assertThatThrownBy(() -> Logs.parseLevels("io.bosun=loud")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"loud\" is not a log level (trace, debug, info, warn, error, off)");
    assertThatThrownBy(() -> Logs.parseLevels("io.bosun=debug,")).hasMessageContaining("empty entry");
    assertThatThrownBy(() -> Logs.parseLevels("=debug")).hasMessageContaining("does not name a logger");
    assertThatThrownBy(() -> Logs.parseLevels("io bosun=debug")).hasMessageContaining("does not name a logger");
    assertThatThrownBy(() -> Logs.parseLevels("io.bosun.push debug")).hasMessage("\"io.bosun.push debug\" is neither"
        + " a level nor LOGGER=LEVEL (e.g. io.bosun.push=debug)");
    assertThatThrownBy(() -> Logs.parseLevels("inherit")).hasMessageContaining("root logger always has a level");
  }

  @Test
  void aLevelSetAtRunTimeChangesWhatIsLogged() {
    Logger log = (Logger) LoggerFactory.getLogger("io.bosun.test.levels.Thing");
    try {
      Logs.setLevel("io.bosun.test.levels", Level.DEBUG);
      assertThat(Logs.levels()).containsEntry("io.bosun.test.levels", "DEBUG");
      assertThat(Logs.effectiveLevel("io.bosun.test.levels.Thing")).isEqualTo("DEBUG");
      assertThat(logged(Logs.Format.TEXT, "io.bosun.test.levels.Thing", () -> log.debug("detail"))).contains("detail");
      Logs.setLevel("io.bosun.test.levels", Level.INFO);
      assertThat(logged(Logs.Format.TEXT, "io.bosun.test.levels.Thing", () -> log.debug("detail"))).isEmpty();
    } finally {
      Logs.setLevel("io.bosun.test.levels", null);
    }
    assertThat(Logs.levels()).doesNotContainKey("io.bosun.test.levels");
  }
}
