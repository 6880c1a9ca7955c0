package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the runtime picks an upstream for a query (runtime setting {@code policy}). */
public enum UpstreamPolicy {
  @JsonProperty("sequential")
  SEQUENTIAL("sequential"),
  @JsonProperty("round_robin")
  ROUND_ROBIN("round_robin"),
  @JsonProperty("fastest")
  FASTEST("fastest"),
  @JsonProperty("parallel")
  PARALLEL("parallel");

  private final String runtimeName;

  UpstreamPolicy(String runtimeName) {
    this.runtimeName = runtimeName;
  }

  public String runtimeName() {
    return runtimeName;
  }
}
