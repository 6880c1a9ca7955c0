package io.dotproxy.operator.coredns;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.testing.Corefiles;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CoreDnsSwitchTest {

  static final CoreDnsLocation KUBE_SYSTEM = CoreDnsLocation.kubeadmDefault();
  static final BlockOwner EDGE = new BlockOwner("dns", "edge");
  static final String FLEET_IP = "10.96.0.53";
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
  static final Duration GRACE = Duration.ofMinutes(2);

  static final String PATCHED = CorefilePatcher.patch(Corefiles.KUBEADM, EDGE, FLEET_IP) instanceof PatchOutcome.Patched p
      ? p.corefile()
      : null;

  /** What the operator sees, by default: the fleet ready everywhere, nothing reported before. */
  static CoreDnsSwitch.Facts facts(String corefile, boolean wanted, CoreDnsState previous, Optional<Instant> since, Instant now) {
    return new CoreDnsSwitch.Facts(KUBE_SYSTEM, Optional.ofNullable(corefile), EDGE, wanted, Optional.of(FLEET_IP),
        Optional::empty, Optional.empty(), previous, since, now, GRACE);
  }

  @Test
  void switchesOverOnlyWhenAProxyIsReadyWhereverCoreDnsRuns() {
    var waiting = CoreDnsSwitch.decide(new CoreDnsSwitch.Facts(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, true,
        Optional.of(FLEET_IP), () -> Optional.of("waiting for a ready proxy on node-a"), Optional.empty(),
        CoreDnsState.DISABLED, Optional.empty(), T0, GRACE));

    assertThat(waiting.state()).isEqualTo(CoreDnsState.PENDING);
    assertThat(waiting.message()).isEqualTo("waiting for a ready proxy on node-a");
    assertThat(waiting.newCorefile()).isEmpty();
    assertThat(waiting.recheckIn()).as("readiness nobody watches is polled").contains(CoreDnsSwitch.PENDING_RECHECK);

    var switched = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, true, CoreDnsState.PENDING, Optional.of(T0), T0.plusSeconds(5)));

    assertThat(switched.state()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(switched.newCorefile()).contains(PATCHED);
    assertThat(switched.since()).isEqualTo(T0.plusSeconds(5));
    assertThat(switched.recheckIn()).isEmpty();
  }

  @Test
  void onceSwitchedReadinessIsNotAskedAgainSoCoreDnsStaysWhileTheFleetRolls() {
    AtomicInteger asked = new AtomicInteger();
    var staying = CoreDnsSwitch.decide(new CoreDnsSwitch.Facts(KUBE_SYSTEM, Optional.of(PATCHED), EDGE, true,
        Optional.of(FLEET_IP), () -> {
          asked.incrementAndGet();
          return Optional.of("node-a has no ready proxy");
        }, Optional.empty(), CoreDnsState.PATCHED, Optional.of(T0), T0.plusSeconds(60), GRACE));

    assertThat(staying.state()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(staying.newCorefile()).isEmpty();
    assertThat(staying.since()).as("the state did not change").isEqualTo(T0);
    assertThat(asked).hasValue(0);
  }

  @Test
  void releasingRevertsAtOnceAndKeepsTheFleetForTheGracePeriod() {
    var reverting = CoreDnsSwitch.decide(facts(PATCHED, false, CoreDnsState.PATCHED, Optional.of(T0), T0.plusSeconds(100)));

    assertThat(reverting.state()).isEqualTo(CoreDnsState.REVERTING);
    assertThat(reverting.newCorefile()).contains(Corefiles.KUBEADM);
    assertThat(reverting.fleetInUse()).isTrue();
    assertThat(reverting.since()).isEqualTo(T0.plusSeconds(100));
    assertThat(reverting.recheckIn()).contains(GRACE);
    assertThat(reverting.message()).contains("kept until 2026-12-03T10:03:40Z");

    // The next look finds the block gone: still kept, for what is left of the grace period.
    var stillKept = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, false, CoreDnsState.REVERTING,
        Optional.of(T0.plusSeconds(100)), T0.plusSeconds(190)));

    assertThat(stillKept.state()).isEqualTo(CoreDnsState.REVERTING);
    assertThat(stillKept.newCorefile()).isEmpty();
    assertThat(stillKept.fleetInUse()).isTrue();
    assertThat(stillKept.recheckIn()).contains(Duration.ofSeconds(30));

    var released = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, false, CoreDnsState.REVERTING,
        Optional.of(T0.plusSeconds(100)), T0.plusSeconds(220)));

    assertThat(released.state()).isEqualTo(CoreDnsState.DISABLED);
    assertThat(released.fleetInUse()).isFalse();
    assertThat(released.since()).isEqualTo(T0.plusSeconds(220));
  }

  @Test
  void aBlockSomeoneElseRemovedStillCountsFromWhenTheOperatorNoticed() {
    var noticed = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, false, CoreDnsState.PATCHED, Optional.of(T0), T0.plusSeconds(600)));

    assertThat(noticed.state()).isEqualTo(CoreDnsState.REVERTING);
    assertThat(noticed.newCorefile()).isEmpty();
    assertThat(noticed.fleetInUse()).isTrue();
    assertThat(noticed.since()).isEqualTo(T0.plusSeconds(600));
  }

  @Test
  void aProxyThatNeverSwitchedIsReleasedAtOnce() {
    for (CoreDnsState previous : new CoreDnsState[] {CoreDnsState.DISABLED, CoreDnsState.PENDING, CoreDnsState.REFUSED}) {
      var released = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, false, previous, Optional.of(T0), T0.plusSeconds(1)));

      assertThat(released.state()).as("after %s", previous).isEqualTo(CoreDnsState.DISABLED);
      assertThat(released.fleetInUse()).as("after %s", previous).isFalse();
    }
  }

  @Test
  void wantedAgainWhileRevertingPatchesAgain() {
    var again = CoreDnsSwitch.decide(facts(Corefiles.KUBEADM, true, CoreDnsState.REVERTING, Optional.of(T0), T0.plusSeconds(10)));

    assertThat(again.state()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(again.newCorefile()).contains(PATCHED);
  }

  @Test
  void aMissingCorefileIsRefusedNamingTheConfigMap() {
    var refused = CoreDnsSwitch.decide(facts(null, true, CoreDnsState.DISABLED, Optional.empty(), T0));

    assertThat(refused.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(refused.message()).contains("kube-system/coredns");
  }

  @Test
  void anObstacleIsRefusedWithItsMessageNothingIsWrittenAndTheFleetsIpIsNotUpdated() {
    var fresh = CoreDnsSwitch.decide(new CoreDnsSwitch.Facts(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, true,
        Optional.empty(), Optional::empty, Optional.of("managed by someone else"), CoreDnsState.DISABLED,
        Optional.empty(), T0, GRACE));

    assertThat(fresh.state()).as("reported before the fleet has an IP").isEqualTo(CoreDnsState.REFUSED);
    assertThat(fresh.message()).isEqualTo("managed by someone else");

    var inPlace = CoreDnsSwitch.decide(new CoreDnsSwitch.Facts(KUBE_SYSTEM, Optional.of(PATCHED), EDGE, true,
        Optional.of("10.96.0.99"), Optional::empty, Optional.of("managed by someone else"), CoreDnsState.PATCHED,
        Optional.of(T0), T0, GRACE));

    assertThat(inPlace.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(inPlace.message()).startsWith("managed by someone else (this proxy's block, already in the Corefile, is removed");
    assertThat(inPlace.newCorefile()).isEmpty();
  }

  @Test
  void aBlockEditedOutOfShapeIsLeftAloneAndItsFleetKept() {
    String broken = PATCHED.replace("# dotproxy:dns/edge end", "");

    var refused = CoreDnsSwitch.decide(facts(broken, false, CoreDnsState.PATCHED, Optional.of(T0), T0));

    assertThat(refused.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(refused.message()).contains("remove it by hand");
    assertThat(refused.newCorefile()).isEmpty();
    assertThat(refused.fleetInUse()).isTrue();
  }
}
