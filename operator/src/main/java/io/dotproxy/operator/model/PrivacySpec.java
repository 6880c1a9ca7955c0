package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the upstreams learn about clients; both protections are on unless turned off. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrivacySpec {

  @JsonPropertyDescription("Pad queries to DoT upstreams to 128-byte blocks, RFC 8467 (edns-padding; default true).")
  private Boolean ednsPadding;

  @JsonPropertyDescription("Remove EDNS Client Subnet from queries before they leave (strip-client-subnet; default true).")
  private Boolean stripClientSubnet;

  public Boolean getEdnsPadding() {
    return ednsPadding;
  }

  public void setEdnsPadding(Boolean ednsPadding) {
    this.ednsPadding = ednsPadding;
  }

  public Boolean getStripClientSubnet() {
    return stripClientSubnet;
  }

  public void setStripClientSubnet(Boolean stripClientSubnet) {
    this.stripClientSubnet = stripClientSubnet;
  }
}
