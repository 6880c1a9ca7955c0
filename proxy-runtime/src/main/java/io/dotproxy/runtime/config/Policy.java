package io.dotproxy.runtime.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How the router chooses among healthy upstreams. */
public enum Policy {
  /** The first healthy upstream in configured order; the others only on failure. */
  SEQUENTIAL("sequential"),
  /** Each query to the next healthy upstream in turn. */
  ROUND_ROBIN("round_robin"),
  /** The upstream with the lowest smoothed round-trip time weighted by its outstanding queries. */
  FASTEST("fastest"),
  /** The first {@code parallel-upstreams} healthy upstreams at once; the first good answer wins. */
  PARALLEL("parallel");

  private final String configName;

  Policy(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  static Policy parse(String text) {
    for (Policy policy : values()) {
      if (policy.configName.equals(text)) {
        return policy;
      }
    }
    throw new IllegalArgumentException("must be one of " + names());
  }

  static String names() {
    return Arrays.stream(values()).map(Policy::configName).collect(Collectors.joining(", "));
  }
}
