package io.dotproxy.runtime.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, or seconds. */
final class Durations {

  private static final Pattern FORMAT = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

  private Durations() {}

  static Duration parse(String text, Duration min, Duration max) {
    Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected a duration such as 500ms, 5s, 2m or 1h");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration duration = switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofSeconds(amount);
    };
    if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
      throw new IllegalArgumentException("must be from " + format(min) + " to " + format(max));
    }
    return duration;
  }

  static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }
}
