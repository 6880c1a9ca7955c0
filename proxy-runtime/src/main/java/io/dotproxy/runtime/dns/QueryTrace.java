package io.dotproxy.runtime.dns;

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
  };

  private volatile String upstream;
  private volatile String cache;

  /** @param upstream who answered: a DoT upstream's {@code ADDR@PORT} or a forward zone's server */
  public void answeredBy(String upstream) {
    this.upstream = upstream;
  }

  /** @param outcome {@code hit}, {@code miss} or {@code stale} */
  public void cache(String outcome) {
    this.cache = outcome;
  }

  public String upstream() {
    return upstream;
  }

  public String cacheOutcome() {
    return cache;
  }
}
