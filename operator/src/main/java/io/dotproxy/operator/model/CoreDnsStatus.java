package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** The CoreDNS patch as last seen by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CoreDnsStatus {

  private CoreDnsState state;
  private String message;

  public CoreDnsStatus() {}

  public CoreDnsStatus(CoreDnsState state, String message) {
    this.state = state;
    this.message = message;
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

  @Override
  public boolean equals(Object o) {
    return o instanceof CoreDnsStatus other
        && state == other.state
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, message);
  }
}
