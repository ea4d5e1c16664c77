package io.bosun.xds;

import io.bosun.xds.auth.RefusalLog;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gRPC logs every broken transport (garbage bytes, an HTTP/1 request, a TLS client that gives up)
 * through java.util.logging with a full stack trace: anyone who can reach the port could fill the
 * log (finding 19). This replaces those records with one short line per cause and peer every
 * 10 s, through SLF4J like every other line.
 */
final class TransportLog implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger(TransportLog.class);
  private static final RefusalLog LINES = new RefusalLog(LOG);
  /** JUL holds loggers weakly: keep ours, or the filter goes with a collected logger. */
  private static final java.util.logging.Logger[] HELD = {
      java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport"),
      java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerTransport.connections"),
      java.util.logging.Logger.getLogger("io.grpc.netty.NettyServerHandler")};

  private TransportLog() {
  }

  static void install() {
    for (java.util.logging.Logger l : HELD) {
      if (!(l.getFilter() instanceof TransportLog)) {
        l.setFilter(new TransportLog());
      }
    }
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    Throwable t = record.getThrown();
    String cause = t == null ? String.valueOf(record.getMessage()) : t.getClass().getSimpleName() + ": "
        + t.getMessage();
    LINES.refused(cause.length() > 80 ? cause.substring(0, 80) : cause, "xDS transport closed: " + cause);
    return false;
  }
}
