package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the runtime does with a query over the rate limit (runtime setting {@code rate-limit-action}). */
public enum RateLimitAction {
  @JsonProperty("refuse")
  REFUSE("refuse"),
  @JsonProperty("drop")
  DROP("drop");

  private final String runtimeName;

  RateLimitAction(String runtimeName) {
    this.runtimeName = runtimeName;
  }

  public String runtimeName() {
    return runtimeName;
  }
}
