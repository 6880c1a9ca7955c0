package io.dotproxy.operator.status;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import java.util.Objects;
import java.util.Optional;

/** How far a fleet's DaemonSet has come, from its status as the DaemonSet controller reports it. */
public record FleetReadiness(int desired, int ready, int updated, boolean statusCurrent) {

  public static final FleetReadiness NONE = new FleetReadiness(0, 0, 0, false);

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

  /** Every node that should run a proxy runs an up-to-date, ready one (and there is at least one). */
  public boolean isReady() {
    return statusCurrent && desired > 0 && ready >= desired && updated >= desired;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
