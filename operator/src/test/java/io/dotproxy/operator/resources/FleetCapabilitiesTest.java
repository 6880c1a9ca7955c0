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
  void surgeAndNodeLocalTrafficFromKubernetes122AndThePortSysctlOnceNoKubeletCanBeOlderThan122() {
    assertThat(of("1", "22")).isEqualTo(new FleetCapabilities(true, true, false));
    assertThat(of("1", "23")).isEqualTo(new FleetCapabilities(true, true, false));
    assertThat(of("1", "24")).isEqualTo(FleetCapabilities.CURRENT);
    assertThat(of("1", "30+")).isEqualTo(FleetCapabilities.CURRENT);
    assertThat(of("2", "0")).isEqualTo(FleetCapabilities.CURRENT);
  }

  @Test
  void noneBefore122NorWhenTheVersionIsUnknown() {
    // 1.21 has both fields, alpha and off by default: the API server drops them.
    assertThat(of("1", "21")).isEqualTo(new FleetCapabilities(false, false, false));
    assertThat(of("1", "20")).isEqualTo(new FleetCapabilities(false, false, false));
    assertThat(FleetCapabilities.of(Optional.empty())).isEqualTo(new FleetCapabilities(false, false, false));
  }

  @Test
  void theProxiesListenOn53OnlyWithTheSysctl() {
    assertThat(FleetCapabilities.CURRENT.podDnsPort()).isEqualTo(53);
    assertThat(new FleetCapabilities(true, true, false).podDnsPort()).isEqualTo(5353);
  }
}
