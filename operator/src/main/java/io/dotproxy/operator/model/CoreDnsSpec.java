package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Whether the cluster's CoreDNS should forward the default zone to this fleet. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CoreDnsSpec {

  @Default("false")
  @JsonPropertyDescription(
      "Patch the coredns ConfigMap so that the default zone forwards to this fleet's Service; "
          + "removed again when this is turned off or the DnsOverTlsProxy is deleted.")
  private Boolean patch = false;

  public CoreDnsSpec() {}

  public CoreDnsSpec(boolean patch) {
    this.patch = patch;
  }

  public Boolean getPatch() {
    return patch;
  }

  public void setPatch(Boolean patch) {
    this.patch = patch;
  }
}
