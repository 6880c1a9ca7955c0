package io.dotproxy.operator.status;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.Objects;
import java.util.Optional;

/**
 * How far a fleet's DaemonSet has come, from its status as the DaemonSet controller reports it.
 *
 * <p>The fleet serves while a few nodes lack a ready, up-to-date proxy: a node that went NotReady keeps
 * its unready pod, and a node the autoscaler just added runs a pod that is still starting. The Service
 * sends their clients to other nodes' proxies meanwhile (it never uses {@code internalTrafficPolicy:
 * Local}), so neither may hold the whole fleet's {@code Ready} hostage. How many may lag is
 * {@link #tolerated(int)}; the status counts stay exact.
 */
public record FleetReadiness(int desired, int ready, int updated, boolean statusCurrent) {

  public static final FleetReadiness NONE = new FleetReadiness(0, 0, 0, false);

  /** Nodes per one tolerated lagging node beyond the first: 10%. */
  static final int NODES_PER_TOLERATED = 10;

  public static FleetReadiness of(Optional<DaemonSet> daemonSet) {
    if (daemonSet.isEmpty() || daemonSet.get().getStatus() == null) {
      return NONE;
    }
    DaemonSetStatus status = daemonSet.get().getStatus();
    Long generation = daemonSet.get().getMetadata().getGeneration();
    // A status from before the last spec change describes the old pods, not the ones we asked for.
    boolean current = generation == null || Objects.equals(status.getObservedGeneration(), generation);
    return new FleetReadiness(
        orZero(status.getDesiredNumberScheduled()),
        orZero(status.getNumberReady()),
        orZero(status.getUpdatedNumberScheduled()),
        current);
  }

  /**
   * How many nodes may lack a ready, up-to-date proxy while the fleet counts as ready: none of a single
   * node, else {@code max(1, desired / 10)}: 1 up to 19 nodes, 2 from 20, 10 of 100.
   */
  public static int tolerated(int desired) {
    return desired <= 1 ? 0 : Math.max(1, desired / NODES_PER_TOLERATED);
  }

  /**
   * Nodes without a ready proxy, or still running an old one, whichever count is larger (the
   * DaemonSet's status gives counts, not which node is which).
   */
  public int lagging() {
    return Math.max(desired - ready, desired - updated);
  }

  /**
   * The fleet serves: the DaemonSet controller has seen the current spec, at least one proxy is ready,
   * and at most {@link #tolerated(int)} nodes lag.
   */
  public boolean isReady() {
    return statusCurrent && desired > 0 && ready > 0 && lagging() <= tolerated(desired);
  }

  /** Every node that should run a proxy runs an up-to-date, ready one (and there is at least one). */
  public boolean isComplete() {
    return statusCurrent && desired > 0 && lagging() <= 0;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
