package io.bosun.monitoring;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * Bosun's logging, set at start and changed at run time: the format of the lines on stderr (text,
 * or one JSON object per line by logback's own {@link JsonEncoder}) and the level of each logger
 * (a package or a class).
 */
public final class Logs {
  /** The text format: time, level, thread, logger, the MDC (proxy, resource) when set, the message. */
  public static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20}%replace( %mdc){' $', ''}"
      + " - %msg%n";
  /** The level that is none of a logger's own: it takes its parent's. */
  public static final String INHERIT = "inherit";
  private static final String APPENDER = "STDERR";

  /** How log lines look. */
  public enum Format {
    TEXT, JSON
  }

  private Logs() {
  }

  /** Every line from now on goes to stderr in {@code format}. */
  public static void useFormat(Format format) {
    LoggerContext context = context();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setTarget("System.err");
    appender.setEncoder(encoder(context, format));
    appender.start();
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
  }

  /** The encoder of {@code format}, started. */
  static Encoder<ILoggingEvent> encoder(LoggerContext context, Format format) {
    if (format == Format.TEXT) {
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setContext(context);
      text.setPattern(TEXT_PATTERN);
      text.start();
      return text;
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(context);
    // the line is the event: no logger-context block, no sequence numbers, the message formatted once
    json.setWithContext(false);
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    json.start();
    return json;
  }

  /** Levels by logger name, in the order given, null for inherit ({@link #parseLevels}). */
  public record Levels(Map<String, Level> byLogger) {
    /** Sets each logger's level. */
    public void apply() {
      byLogger.forEach(Logs::setLevel);
    }
  }

  /**
   * Parses {@code io.bosun.push=debug,io.bosun=info}: comma-separated {@code LOGGER=LEVEL}; a bare
   * {@code LEVEL} is the root logger's. Levels: trace, debug, info, warn (warning), error, off, and
   * {@code inherit} (null in the map: the logger takes its parent's level again).
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static Levels parseLevels(String spec) {
    Map<String, Level> levels = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return new Levels(levels);
    }
    for (String part : spec.split(",", -1)) {
      String p = part.strip();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("empty entry in log levels \"" + spec + "\"");
      }
      int eq = p.indexOf('=');
      String logger = eq < 0 ? Logger.ROOT_LOGGER_NAME : p.substring(0, eq).strip();
      if (logger.isEmpty() || !logger.matches("[A-Za-z_$][\\w$.-]*")) {
        throw new IllegalArgumentException("\"" + p + "\" does not name a logger (LOGGER=LEVEL, e.g."
            + " io.bosun.push=debug)");
      }
      String level = eq < 0 ? p : p.substring(eq + 1).strip();
      if (eq < 0 && !p.matches("[A-Za-z]+")) {
        throw new IllegalArgumentException("\"" + p + "\" is neither a level nor LOGGER=LEVEL (e.g."
            + " io.bosun.push=debug)");
      }
      if (level.equalsIgnoreCase(INHERIT) && logger.equals(Logger.ROOT_LOGGER_NAME)) {
        throw new IllegalArgumentException("the root logger always has a level: \"" + p + "\"");
      }
      levels.put(logger, level.equalsIgnoreCase(INHERIT) ? null : level(level));
    }
    return new Levels(levels);
  }

  /** A level by name, any case; {@code warning} as Envoy and Istio spell it. */
  public static Level level(String name) {
    String n = name.strip().toUpperCase(Locale.ROOT);
    return switch (n) {
      case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF" -> Level.toLevel(n);
      case "WARNING" -> Level.WARN;
      default -> throw new IllegalArgumentException("\"" + name.strip()
          + "\" is not a log level (trace, debug, info, warn, error, off)");
    };
  }

  /** Sets {@code logger}'s level; null makes it inherit its parent's again (not for the root). */
  public static void setLevel(String logger, Level level) {
    Logger l = context().getLogger(logger);
    if (level == null && l.getName().equals(Logger.ROOT_LOGGER_NAME)) {
      throw new IllegalArgumentException("the root logger always has a level");
    }
    l.setLevel(level);
  }

  /** Whether a logger of that name exists already (asking the context for one would create it). */
  public static boolean exists(String logger) {
    return context().exists(logger) != null;
  }

  /** The level {@code logger} logs at: its own, or the nearest ancestor's. */
  public static String effectiveLevel(String logger) {
    return context().getLogger(logger).getEffectiveLevel().toString();
  }

  /** The loggers with a level of their own (the root among them), by name. */
  public static Map<String, String> levels() {
    Map<String, String> out = new TreeMap<>();
    for (Logger l : context().getLoggerList()) {
      if (l.getLevel() != null) {
        out.put(l.getName(), l.getLevel().toString());
      }
    }
    return out;
  }

  private static LoggerContext context() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext c) {
      return c;
    }
    throw new IllegalStateException("logging is not logback: cannot set formats or levels");
  }
}
