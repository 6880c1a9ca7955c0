package io.dotproxy.operator.sidecar;

/** Whether the proxy is injected as a native sidecar (an init container with restartPolicy Always). */
public enum NativeSidecars {
  /** Native sidecars when the API server is Kubernetes 1.29 or newer (where they are on by default). */
  AUTO,
  /** Always native sidecars, e.g. on a 1.28 cluster with the SidecarContainers feature gate turned on. */
  TRUE,
  /** Always an ordinary container listed first. */
  FALSE
}
