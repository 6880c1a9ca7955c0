package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The CoreDNS patch as last seen by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CoreDnsStatus {

  @JsonPropertyDescription("Where the CoreDNS patch stands: Disabled, Pending (waiting for the fleet), Patched,"
      + " Reverting (removed; the fleet is kept for the release grace period) or Refused.")
  private CoreDnsState state;
  @JsonPropertyDescription("Why the state is what it is, e.g. the nodes still waited for or the reason for a refusal.")
  private String message;

  @JsonPropertyDescription("When the state last changed (RFC 3339); a Reverting fleet is kept for the grace period from then.")
  private String lastTransitionTime;

  public CoreDnsStatus() {}

  public CoreDnsStatus(CoreDnsState state, String message) {
    this(state, message, null);
  }

  public CoreDnsStatus(CoreDnsState state, String message, String lastTransitionTime) {
    this.state = state;
    this.message = message;
    this.lastTransitionTime = lastTransitionTime;
  }

  public CoreDnsState getState() {
    return state;
  }

  public void setState(CoreDnsState state) {
    this.state = state;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CoreDnsStatus other
        && state == other.state
        && Objects.equals(message, other.message)
        && Objects.equals(lastTransitionTime, other.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, message, lastTransitionTime);
  }
}
