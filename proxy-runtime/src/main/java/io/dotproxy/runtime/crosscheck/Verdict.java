package io.dotproxy.runtime.crosscheck;

/**
 * What a cross-check made of the answers of one query.
 *
 * @param result how the answers related
 * @param action what the client gets
 * @param chosen the index, in arrival order, of the answer the client gets; -1 when it gets SERVFAIL
 */
public record Verdict(Result result, Action action, int chosen) {

  /** How the answers related. */
  public enum Result {
    /** Two or more answers, all the same. */
    AGREED,
    /** Two or more answers, not all the same. */
    MISMATCH,
    /** Only one answer: nothing to compare it with. */
    UNVERIFIED
  }

  /** What the client gets; the {@code action} label of the metrics. */
  public enum Action {
    /** The answer, agreed on or the only one. */
    ANSWER,
    SERVFAIL,
    /** The answer most upstreams gave. */
    MAJORITY,
    /** The first answer that came, although others differ. */
    FIRST;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Verdict {
    if ((chosen < 0) != (action == Action.SERVFAIL)) {
      throw new IllegalArgumentException(action + " with answer " + chosen);
    }
  }

  public String resultLabel() {
    return result.name().toLowerCase(java.util.Locale.ROOT);
  }
}
