package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the CoreDNS patch of one DnsOverTlsProxy stands. */
public enum CoreDnsState {
  /** Not asked for (and no block of ours is in the Corefile). */
  @JsonProperty("Disabled")
  DISABLED,
  /** Asked for; waiting for the fleet to be ready and its Service to have an IP. */
  @JsonProperty("Pending")
  PENDING,
  /** The Corefile forwards the default zone to the fleet. */
  @JsonProperty("Patched")
  PATCHED,
  /** Asked for, but the Corefile could not be patched safely; the message says why. */
  @JsonProperty("Refused")
  REFUSED
}
