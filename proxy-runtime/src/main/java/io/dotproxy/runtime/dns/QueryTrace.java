package io.dotproxy.runtime.dns;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What happened to one query on its way, noted by the stages it passed, for the query log. With
 * the query log off every query shares {@link #OFF}, which notes nothing and costs nothing.
 */
public class QueryTrace {

  /** The trace of queries nobody logs. */
  public static final QueryTrace OFF = new QueryTrace() {
    @Override
    public void answeredBy(String upstream) {}

    @Override
    public void cache(String outcome) {}

    @Override
    public void crossCheck(String result, String action, Supplier<Map<String, String>> answers) {}
  };

  private volatile String upstream;
  private volatile String cache;
  private volatile CrossCheckNote crossCheck;

  /**
   * What the answer cross-check made of this query.
   *
   * @param answers each asked upstream's answer in one line, by {@code ADDR@PORT} in the order asked; empty
   *     when they agreed
   */
  public record CrossCheckNote(String result, String action, Map<String, String> answers) {}

  /** @param upstream who answered: a DoT upstream's {@code ADDR@PORT} or a forward zone's server */
  public void answeredBy(String upstream) {
    this.upstream = upstream;
  }

  /** @param outcome {@code hit}, {@code miss} or {@code stale} */
  public void cache(String outcome) {
    this.cache = outcome;
  }

  /**
   * @param result {@code agreed}, {@code mismatch} or {@code unverified}
   * @param action what the client got: {@code answer}, {@code servfail}, {@code majority} or {@code first}
   * @param answers asked only when the query is logged
   */
  public void crossCheck(String result, String action, Supplier<Map<String, String>> answers) {
    this.crossCheck = new CrossCheckNote(result, action,
        Collections.unmodifiableMap(new LinkedHashMap<>(answers.get())));
  }

  public CrossCheckNote crossCheck() {
    return crossCheck;
  }

  public String upstream() {
    return upstream;
  }

  public String cacheOutcome() {
    return cache;
  }
}
