package io.dotproxy.operator.resources;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.Optional;

/** How a proxy DaemonSet replaces its pods, by what the API server accepts; decided once at startup. */
public enum DaemonSetRollout {

  /**
   * The new pod starts beside the old one, which stops only once the new one is ready (maxSurge 1,
   * maxUnavailable 0): a node is never without its proxy. DaemonSet maxSurge is on by default from 1.22.
   */
  SURGE,

  /**
   * One node at a time goes without its proxy while the new pod starts (maxUnavailable 1). Before 1.22
   * the API server drops maxSurge and then refuses maxUnavailable 0 ("cannot be 0").
   */
  ONE_NODE_AT_A_TIME;

  static final int SURGE_MINOR = 22;

  /** An unreadable version gets the rollout every version accepts. */
  public static DaemonSetRollout of(Optional<Version> version) {
    return version.filter(v -> v.atLeast(1, SURGE_MINOR)).map(v -> SURGE).orElse(ONE_NODE_AT_A_TIME);
  }
}
