package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** Per-client rate limiting in the runtime. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RateLimitSpec {

  @Min(0)
  @JsonPropertyDescription("Queries per second per client; 0 turns rate limiting off (rate-limit-qps).")
  private Integer qps;

  @Min(0)
  @JsonPropertyDescription("Queries a client may send in a burst above qps (rate-limit-burst).")
  private Integer burst;

  @JsonPropertyDescription("What happens to a query over the limit: refuse (REFUSED answer) or drop (rate-limit-action).")
  private RateLimitAction action;

  public Integer getQps() {
    return qps;
  }

  public void setQps(Integer qps) {
    this.qps = qps;
  }

  public Integer getBurst() {
    return burst;
  }

  public void setBurst(Integer burst) {
    this.burst = burst;
  }

  public RateLimitAction getAction() {
    return action;
  }

  public void setAction(RateLimitAction action) {
    this.action = action;
  }
}
