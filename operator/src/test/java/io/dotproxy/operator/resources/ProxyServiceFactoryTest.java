package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

class ProxyServiceFactoryTest {

  @Test
  void nodeLocalWhereTheClusterHasInternalTrafficPolicy() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilities.CURRENT);

    assertThat(service.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
    assertThat(service.getSpec().getSelector()).containsEntry("app.kubernetes.io/instance", "edge");
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort() + "/" + p.getProtocol() + "->" + p.getTargetPort().getStrVal())
        .containsExactly("53/UDP->dns-udp", "53/TCP->dns-tcp");
  }

  @Test
  void withoutTheFieldWhereTheApiServerWouldDropItSoThatAnUpgradeChangesTheHash() {
    FleetCapabilities old = new FleetCapabilities(false, false, false);
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), old);

    assertThat(service.getSpec().getInternalTrafficPolicy()).isNull();
    assertThat(DesiredStateHash.same(service, ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilities.CURRENT)))
        .isFalse();
  }
}
