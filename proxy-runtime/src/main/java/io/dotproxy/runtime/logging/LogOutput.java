package io.dotproxy.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The main log: one line per event on stderr, as text or as one JSON object per line (logback's
 * JsonEncoder: timestamp in epoch milliseconds, level, threadName, loggerName, formattedMessage,
 * throwable). Query names never appear in it; the query log is separate and goes to stdout.
 *
 * <p>Logback finds this class as its {@link Configurator} (META-INF/services), so the runtime reads no
 * XML at start-up; until {@link #apply} runs, the log is text at info, or what DOTPROXY_LOG_FORMAT and
 * DOTPROXY_LOG_LEVEL say when they are valid.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogOutput extends ContextAwareBase implements Configurator {

  /** --log-format. */
  public enum Format { TEXT, JSON }

  /** The level names --log-level accepts. */
  public static final Map<String, Level> LEVELS =
      Map.of("error", Level.ERROR, "warn", Level.WARN, "info", Level.INFO, "debug", Level.DEBUG);

  /** As slf4j-simple wrote it before: ISO time with offset, level, class name, message. */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %level %logger{0} - %msg%n%ex";

  /**
   * Invoked by logback's ServiceLoader; {@link #apply} configures the live context afterwards.
   */
  public LogOutput() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    Format format = parseFormat(System.getenv("DOTPROXY_LOG_FORMAT")).orElse(Format.TEXT);
    Level level = parseLevel(System.getenv("DOTPROXY_LOG_LEVEL")).orElse(Level.INFO);
    configure(context, format, level);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Replaces the log's format and level; events logged after it returns use them. */
  public static void apply(Format format, Level level) {
    configure((LoggerContext) LoggerFactory.getILoggerFactory(), format, level);
  }

  public static Optional<Format> parseFormat(String text) {
    if (text == null) {
      return Optional.empty();
    }
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "text" -> Optional.of(Format.TEXT);
      case "json" -> Optional.of(Format.JSON);
      default -> Optional.empty();
    };
  }

  public static Optional<Level> parseLevel(String text) {
    return text == null ? Optional.empty()
        : Optional.ofNullable(LEVELS.get(text.strip().toLowerCase(Locale.ROOT)));
  }

  private static void configure(LoggerContext context, Format format, Level level) {
    context.reset();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("stderr");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder(context, format));
    stderr.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(stderr);
    // Netty's own debug output is about Netty, not about DNS; it stays at warn unless asked for by name.
    context.getLogger("io.netty").setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, Format format) {
    if (format == Format.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMarkers(false);
      json.setWithMDC(false);
      json.setWithKVPList(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
