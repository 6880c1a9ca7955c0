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
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), false);

    assertThat(plan.state()).isEqualTo(CoreDnsState.PENDING);
    assertThat(plan.newCorefile()).isEmpty();
  }

  @Test
  void staysSwitchedWhileTheFleetRolls() {
    String patched = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(Corefiles.KUBEADM), EDGE, Optional.of("10.96.0.53"), true)
        .newCorefile().orElseThrow();

    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.of(patched), EDGE, Optional.of("10.96.0.53"), false);

    assertThat(plan.state()).isEqualTo(CoreDnsState.PATCHED);
    assertThat(plan.newCorefile()).isEmpty();
  }

  @Test
  void aMissingCorefileIsRefusedNamingTheConfigMap() {
    var plan = CoreDnsPatchPlan.of(KUBE_SYSTEM, Optional.empty(), EDGE, Optional.of("10.96.0.53"), true);

    assertThat(plan.state()).isEqualTo(CoreDnsState.REFUSED);
    assertThat(plan.message()).contains("kube-system/coredns");
  }
}
