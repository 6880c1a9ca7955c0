package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Locale;

/**
 * The runtime's answer cross-check (docs/explanation/cross-check.md); each field maps to the runtime
 * setting named in its description.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.onMismatch) || self.onMismatch != 'majority' || (has(self.upstreams) && self.upstreams >= 3)",
    message = CrossCheckSpec.MAJORITY_MESSAGE)
public class CrossCheckSpec {

  static final String MAJORITY_MESSAGE = "crossCheck.onMismatch majority needs crossCheck.upstreams 3 or more";
  static final String UPSTREAMS_MESSAGE =
      "crossCheck needs at least as many upstreams as crossCheck.upstreams (2 when unset)";
  /** When unset, as in the runtime. */
  static final int DEFAULT_UPSTREAMS = 2;

  /** A setting's value as the runtime spells it: the constant in lower case. */
  public interface RuntimeValue {
    String name();

    default String runtimeName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** cross-check-compare */
  public enum Compare implements RuntimeValue {
    @JsonProperty("strict")
    STRICT,
    @JsonProperty("overlap")
    OVERLAP
  }

  /** cross-check-on-mismatch */
  public enum OnMismatch implements RuntimeValue {
    @JsonProperty("servfail")
    SERVFAIL,
    @JsonProperty("majority")
    MAJORITY,
    @JsonProperty("first")
    FIRST
  }

  /** cross-check-on-unverified */
  public enum OnUnverified implements RuntimeValue {
    @JsonProperty("servfail")
    SERVFAIL,
    @JsonProperty("answer")
    ANSWER
  }

  @JsonPropertyDescription("Send each cache miss to several upstreams and compare their answers before answering"
      + " (cross-check; unset means false). Doubles the upstream load; a miss waits for the slower upstream.")
  private Boolean enabled;

  @Min(2)
  @Max(8)
  @JsonPropertyDescription("How many upstreams each query goes to, of different operators by their TLS names where"
      + " there are (cross-check-upstreams; unset means 2).")
  private Integer upstreams;

  @JsonPropertyDescription("What counts as the same answer: strict, the same rcode and answer records ignoring order,"
      + " TTLs and case; overlap, also a shared address or the same CNAME chain, for CDNs (cross-check-compare;"
      + " unset means strict).")
  private Compare compare;

  @JsonPropertyDescription("What the client gets when the answers differ: servfail; majority, the answer more than"
      + " half agree with (needs upstreams 3 or more); first, the first answer, only counted and logged"
      + " (cross-check-on-mismatch; unset means servfail).")
  private OnMismatch onMismatch;

  @JsonPropertyDescription("What the client gets when fewer than two upstreams answered: servfail, or answer with"
      + " the one answer there is (cross-check-on-unverified; unset means servfail).")
  private OnUnverified onUnverified;

  /** Whether it is on (null counts as off, the runtime's default). */
  public boolean turnedOn() {
    return Boolean.TRUE.equals(enabled);
  }

  /** The upstreams it asks per query, the runtime's default when unset. */
  public int upstreamsPerQuery() {
    return upstreams == null ? DEFAULT_UPSTREAMS : upstreams;
  }

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public Integer getUpstreams() {
    return upstreams;
  }

  public void setUpstreams(Integer upstreams) {
    this.upstreams = upstreams;
  }

  public Compare getCompare() {
    return compare;
  }

  public void setCompare(Compare compare) {
    this.compare = compare;
  }

  public OnMismatch getOnMismatch() {
    return onMismatch;
  }

  public void setOnMismatch(OnMismatch onMismatch) {
    this.onMismatch = onMismatch;
  }

  public OnUnverified getOnUnverified() {
    return onUnverified;
  }

  public void setOnUnverified(OnUnverified onUnverified) {
    this.onUnverified = onUnverified;
  }
}
