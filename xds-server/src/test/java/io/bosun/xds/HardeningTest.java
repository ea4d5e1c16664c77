package io.bosun.xds;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.bosun.logging.LogSafe;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What callers send never controls the log's shape or volume (findings 18 and 19). */
class HardeningTest {
  @Test
  void controlCharactersFromClientsAreEscaped() {
    // finding 18: a node id with "\n07:40:00.000 ERROR ... FORGED LINE" became a forged log line
    assertThat(LogSafe.escape("sidecar~x\n07:40:00.000 ERROR [main] FORGED LINE\r\u001b[31m"))
        .isEqualTo("sidecar~x\\n07:40:00.000 ERROR [main] FORGED LINE\\r\\u001b[31m")
        .doesNotContain("\n");
    assertThat(LogSafe.escape("a".repeat(5000))).hasSizeLessThan(1100).endsWith("(5000 characters)");
    assertThat(LogSafe.escape("plain")).isEqualTo("plain");
  }

  @Test
  void garbageOnTheGrpcPortLogsAFewShortLinesNotAStackTraceEach() throws Exception {
    // finding 19: every garbage connection logged "Transport failed" with a 24-line stack trace
    Logger logger = (Logger) LoggerFactory.getLogger(TransportLog.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    ch.qos.logback.classic.Level level = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    try (XdsServer server = new XdsServer(new InetSocketAddress("127.0.0.1", 0), n -> "g", (g, n) -> { })) {
      server.start();
      for (int i = 0; i < 50; i++) {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
          OutputStream out = s.getOutputStream();
          out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          s.getInputStream().read(new byte[256]);
        } catch (IOException e) {
          // the server closing on us is the point
        }
      }
      Thread.sleep(500);
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(level);
    }
    assertThat(lines.list).hasSizeBetween(1, 3);
    assertThat(lines.list).allSatisfy(e -> {
      assertThat(e.getThrowableProxy()).isNull();
      assertThat(e.getFormattedMessage()).startsWith("xDS transport closed:").doesNotContain("\n");
    });
  }
}
