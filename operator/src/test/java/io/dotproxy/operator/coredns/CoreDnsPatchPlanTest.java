package io.dotproxy.operator.coredns;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.model.CoreDnsState;
import io.dotproxy.operator.testing.Corefiles;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoreDnsPatchPlanTest {

  static final CoreDnsLocation KUBE_SYSTEM = CoreDnsLocation.kubeadmDefault();
  static final BlockOwner EDGE = new BlockOwner("dns", "edge");

  @Test
  void waitsForAReadyFleetBeforeTheFirstSwitch() {
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), false, Optional.empty());

    assertThat(plan.state()).isEqualTo(CoreDnsState.PENDING);
    assertThat(plan.newCorefile()).isEmpty();
  }

  @Test
  void staysSwitchedWhileTheFleetRolls() {
    String patched = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), true, Optional.empty())
        .newCorefile().orElseThrow();

    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(patched), EDGE, Optional.of("10.96.0.53"), false, Optional.empty());

    assertThat(plan.state()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(plan.newCorefile()).isEmpty();
  }

  @Test
  void aMissingCorefileIsRefusedNamingTheConfigMap() {
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.empty(), EDGE, Optional.of("10.96.0.53"), true, Optional.empty());

    assertThat(plan.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(plan.message()).contains("kube-system/coredns");
  }

  @Test
  void anObstacleIsRefusedWithItsMessageAndNothingIsWritten() {
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), true,
        Optional.of("managed by someone else"));

    assertThat(plan.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(plan.message()).isEqualTo("managed by someone else");
    assertThat(plan.newCorefile()).isEmpty();
  }

  @Test
  void anObstacleToAPatchAlreadyInPlaceSaysTheBlockStaysUntilTurnedOff() {
    String patched = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), true,
        Optional.empty()).newCorefile().orElseThrow();

    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(patched), EDGE, Optional.of("10.96.0.99"), true,
        Optional.of("managed by someone else"));

    assertThat(plan.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(plan.message()).startsWith("managed by someone else (this proxy's block, already in the Corefile, is removed");
    assertThat(plan.newCorefile()).as("not even the new Service IP is written").isEmpty();
  }

  @Test
  void anObstacleIsReportedBeforeTheFleetIsReady() {
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.empty(), false,
        Optional.of("managed by someone else"));

    assertThat(plan.state()).isEqualTo(CoreDnsState.REFUSED);
  }
}
