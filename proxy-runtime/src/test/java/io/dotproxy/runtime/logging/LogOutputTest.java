package io.dotproxy.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The main log's two formats and its level, as written to stderr. */
class LogOutputTest {

  private final PrintStream realErr = System.err;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Logger log = LoggerFactory.getLogger(LogOutputTest.class);

  private List<String> linesLoggedWith(LogOutput.Format format, Level level, Runnable logging) {
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    LogOutput.apply(format, level); // the console appender takes System.err as it is now
    logging.run();
    return err.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @AfterEach
  void restore() {
    System.setErr(realErr);
    LogOutput.apply(LogOutput.Format.TEXT, Level.INFO);
  }

  @Test
  void jsonIsOneObjectPerLineWithTheUsualFields() {
    List<String> lines = linesLoggedWith(LogOutput.Format.JSON, Level.INFO, () -> {
      log.info("listening on {} with \"quotes\"\nand a second line", "127.0.0.1:53");
      log.debug("not at info");
      log.warn("upstream down", new IllegalStateException("handshake failed"));
    });

    assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
    assertThat(lines.get(0)).contains("\"timestamp\":", "\"level\":\"INFO\"",
        "\"loggerName\":\"io.dotproxy.runtime.logging.LogOutputTest\"",
        "\"formattedMessage\":\"listening on 127.0.0.1:53 with \\\"quotes\\\"\\nand a second line\"")
        .doesNotContain("sequenceNumber", "\"context\"");
    assertThat(lines.get(1)).contains("\"level\":\"WARN\"", "\"throwable\":", "handshake failed");
  }

  @Test
  void textIsTheFormerLineFormatAndTheLevelFilters() {
    List<String> lines = linesLoggedWith(LogOutput.Format.TEXT, Level.WARN, () -> {
      log.info("quiet at warn");
      log.warn("upstream {} down", "9.9.9.9@853");
      LoggerFactory.getLogger("io.netty.channel.Test").warn("netty at warn");
    });

    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) WARN LogOutputTest"
        + " - upstream 9.9.9.9@853 down");
  }

  @Test
  void nettyStaysAtWarnWhenTheRestIsAtDebug() {
    List<String> lines = linesLoggedWith(LogOutput.Format.TEXT, Level.DEBUG, () -> {
      log.debug("ours at debug");
      LoggerFactory.getLogger("io.netty.channel.Test").debug("netty's at debug");
    });

    assertThat(lines).singleElement().satisfies(line -> assertThat(line).endsWith("ours at debug"));
  }

  @Test
  void formatsAndLevelsAreReadCaseInsensitively() {
    assertThat(LogOutput.parseFormat(" JSON ")).contains(LogOutput.Format.JSON);
    assertThat(LogOutput.parseFormat("logfmt")).isEmpty();
    assertThat(LogOutput.parseLevel("Debug")).contains(Level.DEBUG);
    assertThat(LogOutput.parseLevel("trace")).isEmpty();
  }
}
