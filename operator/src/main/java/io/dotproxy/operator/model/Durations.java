package io.dotproxy.operator.model;

/** The duration syntax shared by the CRD's validation and the runtime's config format. */
public final class Durations {

  /** CEL rule for a duration field; a unit is required so that "30" is never read as 30 ms or 30 min. */
  public static final String RULE = "self.matches('^[0-9]+(ms|s|m|h)$')";

  public static final String MESSAGE = "must be a duration with a unit, such as 500ms, 5s, 2m or 1h";

  private Durations() {}

  /** Whole seconds, rounded up, of a duration that passed {@link #RULE}. */
  public static long toSecondsRoundedUp(String duration) {
    var m = java.util.regex.Pattern.compile("^([0-9]+)(ms|s|m|h)$").matcher(duration);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + duration);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> (n + 999) / 1000;
      case "s" -> n;
      case "m" -> n * 60;
      default -> n * 3600;
    };
  }
}
