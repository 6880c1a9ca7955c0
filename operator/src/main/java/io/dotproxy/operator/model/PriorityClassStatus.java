package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** The PriorityClass the fleet's pods are given, and why it is not the default when it is not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PriorityClassStatus {

  @JsonPropertyDescription("The PriorityClass in the proxies' pod template; empty for none.")
  private String name;

  @JsonPropertyDescription("True once the API server refused pods with the default system-node-critical in this"
      + " namespace: the proxies then run without a priority class until spec.placement.priorityClassName is set.")
  private Boolean defaultRefused;

  @JsonPropertyDescription("Why the pods do not get the class asked for, from the DaemonSet controller's FailedCreate event.")
  private String message;

  public PriorityClassStatus() {}

  public PriorityClassStatus(String name, Boolean defaultRefused, String message) {
    this.name = name;
    this.defaultRefused = defaultRefused;
    this.message = message;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Boolean getDefaultRefused() {
    return defaultRefused;
  }

  public void setDefaultRefused(Boolean defaultRefused) {
    this.defaultRefused = defaultRefused;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PriorityClassStatus other
        && Objects.equals(name, other.name)
        && Objects.equals(defaultRefused, other.defaultRefused)
        && Objects.equals(message, other.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, defaultRefused, message);
  }
}
