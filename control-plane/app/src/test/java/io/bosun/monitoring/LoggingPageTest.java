package io.bosun.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bosun.http.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@code /debug/logging}: a level changed over HTTP changes what the logger logs, at once. */
class LoggingPageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOGGER = "io.bosun.test.runtime";

  private MonitoringServer server;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    server = new MonitoringServer(new MonitoringServer.Settings(new InetSocketAddress("127.0.0.1", 0), null, false),
        () -> true, () -> "", Map.of()).start();
    lines.start();
    ((Logger) LoggerFactory.getLogger(LOGGER)).addAppender(lines);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(LOGGER)).detachAppender(lines);
    Logs.setLevel(LOGGER, null);
    server.close();
  }

  private HttpResponse<String> send(String method, String pathAndQuery) throws Exception {
    return MonitoringServerTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + pathAndQuery)).timeout(Duration.ofSeconds(3)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPutChangesTheLevelAndTheDebugLinesFollow() throws Exception {
    Logger log = (Logger) LoggerFactory.getLogger(LOGGER + ".Push");
    log.debug("before");
    assertThat(lines.list).isEmpty();

    HttpResponse<String> put = send("PUT", "/debug/logging?logger=" + LOGGER + "&level=debug");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(put.body()).path("effectiveLevel").asText()).isEqualTo("DEBUG");
    log.debug("during");
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("during");

    JsonNode all = JSON.readTree(send("GET", "/debug/logging").body());
    assertThat(all.path("loggers").path(LOGGER).asText()).isEqualTo("DEBUG");
    assertThat(all.path("loggers").path("ROOT").asText()).isNotEmpty();

    assertThat(send("POST", "/debug/logging?logger=" + LOGGER + "&level=inherit").statusCode())
        .as("POST, which a web page can make a browser send, changes nothing").isEqualTo(405);
    assertThat(send("PUT", "/debug/logging?logger=" + LOGGER + "&level=inherit").statusCode()).isEqualTo(200);
    log.debug("after");
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("during");
    assertThat(JSON.readTree(send("GET", "/debug/logging?logger=" + LOGGER).body()).path("level").isNull()).isTrue();
  }

  @Test
  void badRequestsAreRefusedAndChangeNothing() throws Exception {
    HttpResponse<String> bad = send("PUT", "/debug/logging?logger=" + LOGGER + "&level=loud");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("\"loud\" is not a log level");
    assertThat(send("PUT", "/debug/logging?level=debug").statusCode()).isEqualTo(400);
    assertThat(send("PUT", "/debug/logging?logger=ROOT&level=inherit").statusCode()).isEqualTo(400);
    assertThat(send("DELETE", "/debug/logging?logger=" + LOGGER).statusCode()).isEqualTo(405);
    assertThat(send("PUT", "/debug/logging?logger=io%20bosun&level=debug").body()).contains("does not name a logger");
    assertThat(send("PUT", "/debug/logging?logger=" + LOGGER + "&level=debug%2Cio.bosun%3Dtrace").statusCode())
        .isEqualTo(400);
    assertThat(Logs.levels()).doesNotContainKey(LOGGER);
    String unknown = "io.bosun.no.such.logger";
    assertThat(send("GET", "/debug/logging?logger=" + unknown).body()).contains("no logger " + unknown);
    assertThat(Logs.exists(unknown)).as("looking it up did not create it").isFalse();
  }

  @Test
  void onlyLoopbackChangesLevelsEvenWhenTheDebugPagesAreExposed() throws Exception {
    HttpServer.Request remote = new HttpServer.Request("PUT", "/debug/logging", Map.of("logger", LOGGER, "level",
        "debug"), new byte[0], new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 4000));
    assertThat(LoggingPage.handle(remote, true).status()).isEqualTo(403);
    assertThat(Logs.levels()).doesNotContainKey(LOGGER);
    HttpServer.Request read = new HttpServer.Request("GET", "/debug/logging", Map.of(), new byte[0],
        new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 4000));
    assertThat(LoggingPage.handle(read, false).status()).isEqualTo(403);
    assertThat(LoggingPage.handle(read, true).status()).isEqualTo(200);
  }

  @Test
  void versionAnswersWithTheVersionAndTheReplica() throws Exception {
    JsonNode v = JSON.readTree(send("GET", "/version").body());
    assertThat(v.path("version").asText()).isEqualTo(BuildInfo.version());
    assertThat(v.path("replica").asText()).isEqualTo(BuildInfo.replica());
  }
}
