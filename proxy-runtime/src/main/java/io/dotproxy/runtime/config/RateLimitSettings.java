package io.dotproxy.runtime.config;

/**
 * Per-client token bucket.
 *
 * @param qps sustained queries per second per client address; 0 turns limiting off
 * @param burst bucket size, the queries a client may send at once
 * @param action what an over-limit query gets
 */
public record RateLimitSettings(int qps, int burst, Action action) {

  /** What happens to a query over the limit. */
  public enum Action {
    /** Answer REFUSED: cheap, and the client learns why. */
    REFUSE,
    /** Send nothing: no amplification at all towards a spoofed source. */
    DROP;

    static Action parse(String text) {
      return switch (text) {
        case "refuse" -> REFUSE;
        case "drop" -> DROP;
        default -> throw new IllegalArgumentException("must be refuse or drop");
      };
    }
  }

  public boolean enabled() {
    return qps > 0;
  }
}
