package io.dotproxy.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetReadinessTest {

  @Test
  void aSingleNodeFleetMustBeCompletelyReady() {
    assertThat(FleetReadiness.tolerated(1)).isZero();
    assertThat(new FleetReadiness(1, 1, 1, true).isReady()).isTrue();
    assertThat(new FleetReadiness(1, 0, 1, true).isReady()).isFalse();
    assertThat(new FleetReadiness(1, 1, 0, true).isReady()).as("still the old proxy").isFalse();
  }

  @Test
  void oneLaggingNodeIsToleratedUpTo19NodesThenOnePerTen() {
    assertThat(FleetReadiness.tolerated(2)).isEqualTo(1);
    assertThat(FleetReadiness.tolerated(19)).isEqualTo(1);
    assertThat(FleetReadiness.tolerated(20)).isEqualTo(2);
    assertThat(FleetReadiness.tolerated(100)).isEqualTo(10);

    assertThat(new FleetReadiness(2, 1, 2, true).isReady()).as("one node NotReady of two").isTrue();
    assertThat(new FleetReadiness(4, 3, 4, true).isReady()).as("a new node's pod still starting").isTrue();
    assertThat(new FleetReadiness(4, 2, 4, true).isReady()).isFalse();
    assertThat(new FleetReadiness(20, 18, 20, true).isReady()).isTrue();
    assertThat(new FleetReadiness(20, 17, 20, true).isReady()).isFalse();
  }

  @Test
  void theLargerOfUnreadyAndOutdatedCounts() {
    assertThat(new FleetReadiness(4, 4, 3, true).lagging()).isEqualTo(1);
    assertThat(new FleetReadiness(4, 3, 2, true).lagging()).isEqualTo(2);
    assertThat(new FleetReadiness(4, 4, 2, true).isReady()).as("half the fleet still on the old spec").isFalse();
  }

  @Test
  void neverReadyWithoutAReadyProxyOrWithAStaleStatus() {
    assertThat(new FleetReadiness(0, 0, 0, true).isReady()).isFalse();
    assertThat(new FleetReadiness(4, 4, 4, false).isReady()).isFalse();
    assertThat(FleetReadiness.NONE.isReady()).isFalse();
  }

  @Test
  void completeOnlyWhenEveryNodeRunsAReadyUpToDateProxy() {
    assertThat(new FleetReadiness(4, 4, 4, true).isComplete()).isTrue();
    assertThat(new FleetReadiness(4, 3, 4, true).isComplete()).isFalse();
    assertThat(new FleetReadiness(4, 3, 4, true).isReady()).isTrue();
  }

  @Test
  void readFromTheDaemonSetStatusOnlyWhenItDescribesTheCurrentGeneration() {
    DaemonSet current = daemonSet(3L, 3L);
    DaemonSet stale = daemonSet(3L, 2L);

    assertThat(FleetReadiness.of(Optional.of(current))).isEqualTo(new FleetReadiness(4, 3, 4, true));
    assertThat(FleetReadiness.of(Optional.of(current)).isReady()).isTrue();
    assertThat(FleetReadiness.of(Optional.of(stale)).isReady()).isFalse();
    assertThat(FleetReadiness.of(Optional.empty())).isEqualTo(FleetReadiness.NONE);
  }

  private static DaemonSet daemonSet(long generation, long observed) {
    return new DaemonSetBuilder()
        .withNewMetadata().withName("dotproxy-edge").withGeneration(generation).endMetadata()
        .withNewStatus().withObservedGeneration(observed).withDesiredNumberScheduled(4).withNumberReady(3)
        .withUpdatedNumberScheduled(4).withNumberAvailable(3).withNumberUnavailable(1).endStatus()
        .build();
  }
}
