package io.dotproxy.operator.model;

/** The duration syntax shared by the CRD's validation and the runtime's config format. */
public final class Durations {

  /**
   * A duration with its unit; a unit is required so that "30" is never read as 30 ms or 30 min. A schema
   * pattern rather than a CEL rule, so that API servers before 1.25 enforce it too.
   */
  static final String PATTERN = "^[0-9]+(ms|s|m|h)$";

  public static final String MESSAGE = "must be a duration with a unit, such as 500ms, 5s, 2m or 1h";

  private Durations() {}

  public static boolean isValid(String duration) {
    return duration.matches(PATTERN);
  }

  /** Whole seconds, rounded up, of a duration that matches {@link #PATTERN}. */
  public static long toSecondsRoundedUp(String duration) {
    if (!isValid(duration)) {
      throw new IllegalArgumentException("not a duration: " + duration);
    }
    int unitStart = duration.length() - (duration.endsWith("ms") ? 2 : 1);
    long n = Long.parseLong(duration.substring(0, unitStart));
    return switch (duration.substring(unitStart)) {
      case "ms" -> (n + 999) / 1000;
      case "s" -> n;
      case "m" -> n * 60;
      default -> n * 3600;
    };
  }
}
