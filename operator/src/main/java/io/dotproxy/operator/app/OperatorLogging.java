package io.dotproxy.operator.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The operator's log on stderr ({@code --log-format text|json}, {@code --log-level}): text lines as
 * slf4j-simple wrote them, or one JSON object per line from logback's JsonEncoder with the fields
 * timestamp (epoch milliseconds), level, threadName, loggerName, formattedMessage and throwable.
 *
 * <p>Until {@link #apply} runs, logback.xml's text at info holds. (Not a logback Configurator service like
 * the runtime's: JOSDK's annotation processor logs while the operator compiles, before such a class exists.)
 */
public final class OperatorLogging {

  /** {@code --log-format}. */
  public enum Format { TEXT, JSON }

  /** {@code --log-format} and {@code --log-level}. */
  public record Settings(Format format, Level level) {
    public static final Settings DEFAULT = new Settings(Format.TEXT, Level.INFO);

    static Settings parse(String format, String level) {
      Format f = switch (format.toLowerCase(Locale.ROOT)) {
        case "text" -> Format.TEXT;
        case "json" -> Format.JSON;
        default -> throw new InvalidSettingException("--log-format: '" + format + "' is neither text nor json");
      };
      Level l = Optional.of(level.toLowerCase(Locale.ROOT))
          .filter(name -> name.equals("error") || name.equals("warn") || name.equals("info") || name.equals("debug"))
          .map(Level::toLevel)
          .orElseThrow(() -> new InvalidSettingException("--log-level: '" + level + "' is not error, warn, info or debug"));
      return new Settings(f, l);
    }
  }

  private OperatorLogging() {}

  /** From now on the log is written as {@code settings} say. */
  public static void apply(Settings settings) {
    setUp((LoggerContext) LoggerFactory.getILoggerFactory(), settings);
  }

  private static void setUp(LoggerContext context, Settings settings) {
    context.reset();
    EncoderBase<ILoggingEvent> encoder = settings.format() == Format.JSON ? json() : text();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(settings.level());
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    // The informers log every watch restart at info: routine, and noisy in a cluster with many namespaces.
    context.getLogger("io.fabric8.kubernetes.client.informers").setLevel(
        settings.level().isGreaterOrEqual(Level.WARN) ? settings.level() : Level.WARN);
  }

  private static EncoderBase<ILoggingEvent> text() {
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %level %logger - %msg%n%ex");
    return text;
  }

  /**
   * The usual fields, plus the MDC: JOSDK puts the DnsOverTlsProxy being reconciled there
   * (resource.namespace, resource.name, ...), so each line says which proxy it is about. No sequence
   * numbers, context, or unformatted message and arguments.
   */
  private static EncoderBase<ILoggingEvent> json() {
    JsonEncoder json = new JsonEncoder();
    json.setWithFormattedMessage(true);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithMDC(true);
    json.setWithKVPList(false);
    json.setWithMarkers(false);
    json.setWithContext(false);
    json.setWithNanoseconds(false);
    json.setWithSequenceNumber(false);
    return json;
  }
}
