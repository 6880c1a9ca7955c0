package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.testing.TestProxies;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.Test;

class ProxyServiceFactoryTest {

  @Test
  void prefersTheNodesOwnProxyAndFallsOverWhereTheClusterOffersIt() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilities.CURRENT);

    assertThat(service.getSpec().getTrafficDistribution()).isEqualTo("PreferSameNode");
    assertThat(service.getSpec().getIpFamilyPolicy()).as("a cluster IP of each family the cluster has").isEqualTo("PreferDualStack");
    assertThat(service.getSpec().getIpFamilies()).as("filled in by the API server, primary family first").isNullOrEmpty();
    assertThat(service.getSpec().getInternalTrafficPolicy()).as("never Local: it drops a node's queries while its proxy is down")
        .isEqualTo("Cluster");
    assertThat(service.getSpec().getSelector()).containsEntry("app.kubernetes.io/instance", "edge");
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getPort() + "/" + p.getProtocol() + "->" + p.getTargetPort().getStrVal())
        .containsExactly("53/UDP->dns-udp", "53/TCP->dns-tcp");
  }

  @Test
  void prefersTheZoneFrom131() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilitiesTest.of("1", "31"));

    assertThat(service.getSpec().getTrafficDistribution()).isEqualTo("PreferClose");
    assertThat(service.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
  }

  @Test
  void noPreferenceBefore131() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilitiesTest.of("1", "30"));

    assertThat(service.getSpec().getTrafficDistribution()).isNull();
    assertThat(service.getSpec().getInternalTrafficPolicy()).isEqualTo("Cluster");
  }

  @Test
  void dualStackFrom121WhereNothingElseIsNewYet() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilitiesTest.of("1", "21"));

    assertThat(service.getSpec().getIpFamilyPolicy()).isEqualTo("PreferDualStack");
    assertThat(service.getSpec().getInternalTrafficPolicy()).isNull();
  }

  @Test
  void withoutTheFieldsWhereTheApiServerWouldDropThemSoThatAnUpgradeChangesTheHash() {
    Service service = ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilitiesTest.of("1", "20"));

    assertThat(service.getSpec().getInternalTrafficPolicy()).isNull();
    assertThat(service.getSpec().getTrafficDistribution()).isNull();
    assertThat(service.getSpec().getIpFamilyPolicy()).isNull();
    for (String minor : new String[] {"21", "22", "31", "34"}) {
      assertThat(DesiredStateHash.same(service,
          ProxyServiceFactory.desired(TestProxies.quad9("dns", "edge"), FleetCapabilitiesTest.of("1", minor))))
          .as("1.20 and 1.%s render differently", minor).isFalse();
    }
  }
}
