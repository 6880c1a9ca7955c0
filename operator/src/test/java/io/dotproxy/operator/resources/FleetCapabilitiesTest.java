package io.dotproxy.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dotproxy.operator.sidecar.ClusterCapabilities.Version;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetCapabilitiesTest {

  static FleetCapabilities of(String major, String minor) {
    return FleetCapabilities.of(Version.parse(major, minor));
  }

  @Test
  void surgeAndTrafficPolicyFromKubernetes122AndThePortSysctlOnceNoKubeletCanBeOlderThan122() {
    assertThat(of("1", "22")).isEqualTo(new FleetCapabilities(true, true, ServiceLocality.ANY_NODE, false, true));
    assertThat(of("1", "23")).isEqualTo(new FleetCapabilities(true, true, ServiceLocality.ANY_NODE, false, true));
    assertThat(of("1", "24")).isEqualTo(new FleetCapabilities(true, true, ServiceLocality.ANY_NODE, true, true));
    assertThat(of("1", "30+")).isEqualTo(new FleetCapabilities(true, true, ServiceLocality.ANY_NODE, true, true));
  }

  @Test
  void theServiceAsksForDualStackFrom121() {
    // 1.20 has IPv6DualStack alpha and off: the API server drops ipFamilyPolicy.
    assertThat(of("1", "20").dualStackService()).isFalse();
    assertThat(of("1", "21").dualStackService()).isTrue();
    assertThat(of("1", "23").dualStackService()).isTrue();
    assertThat(FleetCapabilities.of(Optional.empty()).dualStackService()).isFalse();
    assertThat(of("1", "21").describe()).contains("PreferDualStack");
    assertThat(of("1", "20").describe()).doesNotContain("DualStack");
  }

  @Test
  void theServicePrefersTheZoneFrom131AndTheNodeFrom134() {
    // 1.30 has trafficDistribution alpha and off: the API server drops it.
    assertThat(of("1", "30").locality()).isEqualTo(ServiceLocality.ANY_NODE);
    assertThat(of("1", "31").locality()).isEqualTo(ServiceLocality.SAME_ZONE);
    assertThat(of("1", "33+").locality()).isEqualTo(ServiceLocality.SAME_ZONE);
    assertThat(of("1", "34").locality()).isEqualTo(ServiceLocality.SAME_NODE);
    assertThat(of("1", "34")).isEqualTo(FleetCapabilities.CURRENT);
    assertThat(of("2", "0")).isEqualTo(FleetCapabilities.CURRENT);
  }

  @Test
  void noneBefore122NorWhenTheVersionIsUnknown() {
    // 1.21 has both fields, alpha and off by default: the API server drops them.
    FleetCapabilities oldest = new FleetCapabilities(false, false, ServiceLocality.ANY_NODE, false, false);
    assertThat(of("1", "21")).isEqualTo(new FleetCapabilities(false, false, ServiceLocality.ANY_NODE, false, true));
    assertThat(of("1", "20")).isEqualTo(oldest);
    assertThat(FleetCapabilities.of(Optional.empty())).isEqualTo(oldest);
  }

  @Test
  void theProxiesListenOn53OnlyWithTheSysctl() {
    assertThat(FleetCapabilities.CURRENT.podDnsPort()).isEqualTo(53);
    assertThat(new FleetCapabilities(true, true, ServiceLocality.ANY_NODE, false, true).podDnsPort()).isEqualTo(5353);
  }

  @Test
  void theStartupLineSaysWhereQueriesGo() {
    assertThat(FleetCapabilities.CURRENT.describe()).contains("PreferSameNode");
    assertThat(of("1", "32").describe()).contains("PreferClose");
    assertThat(of("1", "20").describe()).contains("every node's proxy").contains("maxUnavailable 1");
  }
}
