package io.dotproxy.operator.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the proxies are deployed. */
public enum ProxyMode {
  /** One proxy per node, reached through a Service that prefers the client's own node's proxy. */
  @JsonProperty("DaemonSet")
  DAEMON_SET,
  /** A proxy container injected into opted-in pods; the operator only renders the configuration. */
  @JsonProperty("Sidecar")
  SIDECAR
}
