package io.dotproxy.operator.resources;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.Optional;

/**
 * What the cluster's API server accepts in a fleet's DaemonSet and Service, decided once at startup
 * from its version. The version is part of what the operator renders, so an operator restarted after
 * a control-plane upgrade rewrites the fleet's objects with what the newer server offers.
 *
 * @param daemonSetMaxSurge roll out with {@code maxSurge: 1, maxUnavailable: 0}. Before 1.22 the API
 *     server drops maxSurge and refuses {@code maxUnavailable: 0} (422), so an older cluster gets
 *     {@code maxUnavailable: 1}: each node is briefly without its proxy during a rollout.
 * @param internalTrafficPolicy give the Service {@code internalTrafficPolicy: Local}. Before 1.22 (the
 *     field is alpha and off by default in 1.21, unknown in 1.20) the API server drops it, and the
 *     Service sends each query to a proxy on any node.
 */
public record FleetCapabilities(boolean daemonSetMaxSurge, boolean internalTrafficPolicy) {

  /** DaemonSet maxSurge and Service internalTrafficPolicy are both beta and on by default from 1.22. */
  static final int SURGE_AND_LOCAL_TRAFFIC_MINOR = 22;

  /** A current cluster. */
  public static final FleetCapabilities CURRENT = new FleetCapabilities(true, true);

  /** An unknown version gets what every API server accepts. */
  public static FleetCapabilities of(Optional<Version> version) {
    boolean current = version.map(v -> v.atLeast(1, SURGE_AND_LOCAL_TRAFFIC_MINOR)).orElse(false);
    return new FleetCapabilities(current, current);
  }

  /** For the operator's startup line. */
  public String describe() {
    return (daemonSetMaxSurge ? "DaemonSet rollouts surge" : "DaemonSet rollouts maxUnavailable 1")
        + ", " + (internalTrafficPolicy ? "node-local Service" : "cluster-wide Service");
  }
}
