package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The runtime's answer cache; each field maps to the runtime setting named in its description. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.minTTL) || !has(self.maxTTL) || self.minTTL <= self.maxTTL",
    message = CacheSpec.TTL_ORDER_MESSAGE)
public class CacheSpec {

  static final String TTL_ORDER_MESSAGE = "cache.minTTL must not be greater than cache.maxTTL";

  @Min(0)
  @JsonPropertyDescription("Cache entries; 0 turns the cache off (cache-size).")
  private Integer size;

  @Min(0)
  @JsonProperty("minTTL")
  @JsonPropertyDescription("Lower bound in seconds for cached TTLs (cache-min-ttl).")
  private Integer minTTL;

  @Min(0)
  @JsonProperty("maxTTL")
  @JsonPropertyDescription("Upper bound in seconds for cached TTLs (cache-max-ttl).")
  private Integer maxTTL;

  @Size(max = 16)
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("How long expired answers may still be served: a duration with a unit, e.g. 1h; 0s turns it off (cache-serve-stale).")
  private String serveStale;

  @JsonPropertyDescription("Refresh popular entries before they expire (cache-prefetch).")
  private Boolean prefetch;

  public Integer getSize() {
    return size;
  }

  public void setSize(Integer size) {
    this.size = size;
  }

  public Integer getMinTTL() {
    return minTTL;
  }

  public void setMinTTL(Integer minTTL) {
    this.minTTL = minTTL;
  }

  public Integer getMaxTTL() {
    return maxTTL;
  }

  public void setMaxTTL(Integer maxTTL) {
    this.maxTTL = maxTTL;
  }

  public String getServeStale() {
    return serveStale;
  }

  public void setServeStale(String serveStale) {
    this.serveStale = serveStale;
  }

  public Boolean getPrefetch() {
    return prefetch;
  }

  public void setPrefetch(Boolean prefetch) {
    this.prefetch = prefetch;
  }
}
