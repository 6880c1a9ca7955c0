package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the CoreDNS patch of one DnsOverTlsProxy stands. */
public enum CoreDnsState {
  /** Not asked for, and nothing of ours is in the Corefile or in CoreDNS's memory. */
  @JsonProperty("Disabled")
  DISABLED,
  /** Asked for; waiting for the fleet to be ready and its Service to have an IP. */
  @JsonProperty("Pending")
  PENDING,
  /** The Corefile forwards the default zone to the fleet. */
  @JsonProperty("Patched")
  PATCHED,
  /**
   * No longer asked for (patch off, Sidecar mode, or the proxy deleted): the block is gone from the
   * Corefile, and the fleet is kept until CoreDNS has reloaded it.
   */
  @JsonProperty("Reverting")
  REVERTING,
  /** Asked for, but the Corefile could not be patched safely; the message says why. */
  @JsonProperty("Refused")
  REFUSED
}
