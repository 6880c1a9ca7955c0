package io.dotproxy.runtime.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Answer cross-check: every cache miss goes to several upstreams and their answers are compared
 * before the client gets one (docs/explanation/cross-check.md).
 *
 * @param enabled off by default: it doubles the upstream load and waits for the slower upstream
 * @param upstreams how many upstreams each query is sent to
 * @param compare what counts as the same answer
 * @param onMismatch what the client gets when the answers differ
 * @param onUnverified what the client gets when fewer than two upstreams gave an answer to compare
 */
public record CrossCheckSettings(
    boolean enabled, int upstreams, Compare compare, OnMismatch onMismatch, OnUnverified onUnverified) {

  public static final CrossCheckSettings OFF =
      new CrossCheckSettings(false, 2, Compare.STRICT, OnMismatch.SERVFAIL, OnUnverified.SERVFAIL);

  /** What counts as the same answer; rcodes must be equal in both modes. */
  public enum Compare {
    /** The answer sections hold the same records, ignoring order, TTLs, case and signatures. */
    STRICT,
    /**
     * As strict, or, for names whose addresses depend on where the resolver is (CDNs), the same
     * records apart from addresses and at least one address in common, or the same CNAME chain.
     */
    OVERLAP
  }

  /** What the client gets when the answers differ. */
  public enum OnMismatch {
    /** SERVFAIL, with an Extended DNS Error saying why. */
    SERVFAIL,
    /** The answer more than half of the answers agree with; SERVFAIL without one. */
    MAJORITY,
    /** The first answer that came, as if nothing had been compared; only the metric and log tell. */
    FIRST
  }

  /** What the client gets when only one upstream gave an answer to compare. */
  public enum OnUnverified {
    /** SERVFAIL: an answer nobody confirmed is not given out. */
    SERVFAIL,
    /** The one answer there is: available, but unchecked while an upstream fails. */
    ANSWER
  }

  /** The name in settings and metrics: the constant in lower case. */
  public static String nameOf(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  static <E extends Enum<E>> E parse(Class<E> type, String text) {
    for (E value : type.getEnumConstants()) {
      if (nameOf(value).equals(text)) {
        return value;
      }
    }
    throw new IllegalArgumentException("must be one of " + names(type));
  }

  static String names(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(CrossCheckSettings::nameOf)
        .collect(Collectors.joining(", "));
  }
}
